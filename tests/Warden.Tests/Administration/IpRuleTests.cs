using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server;
using Warden.Server.Infrastructure.Database;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Administration;

/// <summary>
/// Allow and deny rules from configuration and from the administrators' API: refused with a 403 problem, the allow
/// list winning, every change audited with its administrator, a change that would lock the administrator out asking
/// for confirmation, the command line lifting any stored rule, and the rules read from memory, not per request.
/// </summary>
[Collection(ConsoleCollection.Name)] // the command line test writes to the console
public sealed class IpRuleTests
{
    private const string Rules = "/api/v1/admin/ip-rules";
    private const string AdminAddress = OutsideFactory.DefaultClientIp; // 203.0.113.7

    private sealed class Factory : OutsideFactory
    {
        public SqlTrace Trace { get; } = new();

        protected override void Configure(IDictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings["Warden:IpRules:Deny:0"] = "198.51.100.0/24";
            settings["Warden:IpRules:Deny:1"] = "2001:db8:bad::/48";
            settings["Warden:IpRules:Allow:0"] = "198.51.100.7";
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddSqlTracing(Trace));
        }
    }

    private static HttpClient From(WardenFactory factory, string address)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add(OutsideFactory.ClientIpHeader, address);
        return client;
    }

    [Theory]
    [InlineData("198.51.100.8", HttpStatusCode.Forbidden)]
    [InlineData("::ffff:198.51.100.8", HttpStatusCode.Forbidden)]
    [InlineData("2001:db8:bad:1::5", HttpStatusCode.Forbidden)]
    [InlineData("198.51.100.7", HttpStatusCode.OK)] // allowed and denied: the allow list wins
    [InlineData("::ffff:198.51.100.7", HttpStatusCode.OK)]
    [InlineData("198.51.101.8", HttpStatusCode.OK)]
    [InlineData("2001:db8:bae::5", HttpStatusCode.OK)]
    public async Task ConfiguredRulesRefuseDeniedAddressesEverywhereUnlessAllowed(string address, HttpStatusCode expected)
    {
        using var factory = new Factory();
        var response = await From(factory, address).GetAsync("/health/live");
        if (expected == HttpStatusCode.Forbidden)
        {
            await response.AssertProblemAsync(HttpStatusCode.Forbidden, "ip_denied");
        }
        else
        {
            Assert.Equal(expected, response.StatusCode);
        }
    }

    [Fact]
    public async Task RulesFromTheApiApplyAtOnceAndEveryChangeIsAuditedWithItsAdministrator()
    {
        using var factory = new Factory();
        var admin = await factory.AdminClientAsync();
        var created = await (await admin.Client.PostAsJsonAsync(Rules, new { action = "deny", network = "192.0.2.0/24", note = "abuse" }))
            .ReadJsonAsync(HttpStatusCode.Created);
        await (await admin.Client.PostAsJsonAsync(Rules, new { action = "allow", network = "::ffff:192.0.2.10" })).ReadJsonAsync(HttpStatusCode.Created);
        await (await admin.Client.PostAsJsonAsync(Rules, new { action = "deny", network = "192.0.2.0/24" })).AssertProblemAsync(HttpStatusCode.Conflict, "conflict");
        await (await admin.Client.PostAsJsonAsync(Rules, new { action = "deny", network = "192.0.2.1/24" })).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await admin.Client.PostAsJsonAsync(Rules, new { action = "block", network = "192.0.2.0/24" })).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        await (await From(factory, "192.0.2.11").GetAsync("/health/live")).AssertProblemAsync(HttpStatusCode.Forbidden, "ip_denied");
        Assert.Equal(HttpStatusCode.OK, (await From(factory, "192.0.2.10").GetAsync("/health/live")).StatusCode);

        var listed = await admin.Client.GetFromJsonAsync<JsonElement>(Rules);
        Assert.Contains(listed.EnumerateArray(), r => r.GetProperty("network").GetString() == "192.0.2.10/32" && r.GetProperty("action").GetString() == "allow");
        Assert.Contains(listed.EnumerateArray(), r => r.GetProperty("network").GetString() == "198.51.100.0/24" && r.GetProperty("source").GetString() == "configuration");

        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.DeleteAsync($"{Rules}/{created.GetProperty("id").GetGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await From(factory, "192.0.2.11").GetAsync("/health/live")).StatusCode);
        await (await admin.Client.DeleteAsync($"{Rules}/{created.GetProperty("id").GetGuid()}")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");

        await factory.EventuallyInDbAsync(async db =>
                await db.AuditLog.CountAsync(e => e.Action == "ip_rule.created" && e.ActorId == admin.Id) == 2
                && await db.AuditLog.CountAsync(e => e.Action == "ip_rule.deleted" && e.ActorId == admin.Id) == 1,
            "ip_rule.created twice and ip_rule.deleted once, with the administrator as actor");

        var user = await factory.SignedInClientAsync();
        await (await user.Client.PostAsJsonAsync(Rules, new { action = "deny", network = "192.0.2.0/24" })).AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task ARuleThatWouldRefuseTheAdministratorNeedsConfirmationAndTheCommandLineLiftsIt()
    {
        using var factory = new Factory();
        var admin = await factory.AdminClientAsync();

        await (await admin.Client.PostAsJsonAsync(Rules, new { action = "deny", network = "203.0.113.0/24" })).AssertProblemAsync(HttpStatusCode.Conflict, "self_lockout");
        Assert.False(await factory.InDbAsync(db => db.IpRules.AnyAsync()));

        // An allow rule for the administrator's address makes the deny rule harmless to them; removing it is not.
        var allow = await (await admin.Client.PostAsJsonAsync(Rules, new { action = "allow", network = AdminAddress })).ReadJsonAsync(HttpStatusCode.Created);
        await (await admin.Client.PostAsJsonAsync(Rules, new { action = "deny", network = "203.0.113.0/24" })).ReadJsonAsync(HttpStatusCode.Created);
        var allowId = allow.GetProperty("id").GetGuid();
        await (await admin.Client.DeleteAsync($"{Rules}/{allowId}")).AssertProblemAsync(HttpStatusCode.Conflict, "self_lockout");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.DeleteAsync($"{Rules}/{allowId}?confirm=true")).StatusCode);
        await (await admin.Client.GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Forbidden, "ip_denied");

        // Break-glass: the command line, on the same database, lifts the rule; the running node reloads it.
        var (exitCode, output) = await factory.RunCommandAsync("ip-rules", "lift", "203.0.113.0/24");
        Assert.Equal(0, exitCode);
        Assert.Contains("Lifted deny rule 203.0.113.0/24", output, StringComparison.Ordinal);

        factory.Time.Advance(TimeSpan.FromSeconds(11)); // Warden:IpRules:RefreshInterval
        await Eventually.TrueAsync(async () => (await admin.Client.GetAsync("/api/v1/users/me")).StatusCode == HttpStatusCode.OK,
            "the node reloads the rules and lets the administrator in again");
        await factory.EventuallyInDbAsync(db => db.AuditLog.AnyAsync(e => e.Action == "ip_rule.deleted" && e.Details.Contains("command_line")),
            "the command line's ip_rule.deleted in the audit log");
    }

    [Fact]
    public async Task ARequestReadsTheRulesFromMemoryNotFromTheDatabase()
    {
        using var factory = new Factory();
        var admin = await factory.AdminClientAsync();
        await (await admin.Client.PostAsJsonAsync(Rules, new { action = "deny", network = "192.0.2.0/24" })).ReadJsonAsync(HttpStatusCode.Created);
        var (email, _) = await factory.SignedInUserAsync();

        foreach (var address in (string[])[AdminAddress, "192.0.2.5", "198.51.100.7", "198.51.100.9"])
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/login") { Content = JsonContent.Create(new { email, password = AuthFlows.Password }) };
            request.Headers.Add(OutsideFactory.ClientIpHeader, address);
            request.Headers.Add(SqlTracingFactory.Header, "counted");
            await factory.CreateClient().SendAsync(request);
        }

        var statements = factory.Trace.Statements("counted");
        Assert.NotEmpty(statements); // the sign-ins that got through queried users and sessions
        Assert.DoesNotContain(statements, s => s.Contains("ip_rules", StringComparison.Ordinal) || s.Contains("ip_blocks", StringComparison.Ordinal));
    }
}
