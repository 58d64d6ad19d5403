using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authentication;

/// <summary>
/// One address trying many accounts (credential stuffing) is blocked from the credential endpoints; nobody else is,
/// a forged X-Forwarded-For changes nothing, and the block ends by itself or when an administrator lifts it.
/// </summary>
public sealed class CredentialStuffingTests : IClassFixture<CredentialStuffingTests.Factory>
{
    private const string Attacker = "198.51.100.66";
    private const string Proxy = "10.9.9.9";
    private readonly Factory _factory;

    public CredentialStuffingTests(Factory factory) => _factory = factory;

    public sealed class Factory : OutsideFactory
    {
        protected override void Configure(IDictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings["Warden:Network:TrustedProxies:0"] = Proxy; // a proxy exists, so forwarded headers are read, from it only
            settings["Warden:IpRules:AutoBlockFailures"] = "6";
            settings["Warden:IpRules:AutoBlockIdentifiers"] = "3";
        }
    }

    private HttpClient From(string address, string? forwardedFor = null)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Add(OutsideFactory.ClientIpHeader, address);
        if (forwardedFor is not null)
        {
            client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        }

        return client;
    }

    private static async Task StuffAsync(HttpClient client, int attempts)
    {
        for (var i = 0; i < attempts; i++)
        {
            var response = await client.PostLoginAsync($"leaked.{i % 4}.{Guid.NewGuid():N}@example.com", "Guessed-Password-1!");
            await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }
    }

    private async Task<(string Email, Guid Id)> NewUserAsync()
    {
        var email = AuthFlows.NewEmail();
        var id = await From("192.0.2.44").RegisterAsync(email);
        await _factory.ActivateAsync(email);
        return (email, id);
    }

    [Fact]
    public async Task OneAddressFailingAcrossManyIdentifiersIsBlockedWhileOthersSignInAndItEndsAfterAnHour()
    {
        var attacker = From("198.51.100.67");
        var (victim, _) = await NewUserAsync();
        await StuffAsync(attacker, 6);

        var blocked = await attacker.PostLoginAsync(victim);
        await blocked.AssertProblemAsync(HttpStatusCode.Forbidden, "ip_blocked");
        Assert.True(blocked.Headers.RetryAfter?.Delta > TimeSpan.FromMinutes(59));
        await (await attacker.PostAsJsonAsync("/api/v1/auth/forgot-password", new { email = victim })).AssertProblemAsync(HttpStatusCode.Forbidden, "ip_blocked");
        await (await attacker.PostAsJsonAsync("/api/v1/auth/register", new { email = AuthFlows.NewEmail(), password = AuthFlows.Password }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "ip_blocked");
        Assert.Equal(HttpStatusCode.OK, (await attacker.GetAsync("/health/live")).StatusCode); // only the credential endpoints

        // The user signs in from their own address meanwhile: the accounts tried are not locked by the attack.
        await From("192.0.2.44").LoginAsync(victim);

        var block = await _factory.InDbAsync(db => db.IpBlocks.SingleAsync(b => b.Network == "198.51.100.67"));
        Assert.Equal(6, block.Failures);
        await _factory.EventuallyInDbAsync(db => db.AuditLog.AnyAsync(e => e.Action == "ip.blocked" && e.IpAddress == "198.51.100.67"),
            "the ip.blocked event in the audit log");

        _factory.Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await attacker.LoginAsync(victim);
    }

    [Fact]
    public async Task OneAddressFailingOnFewIdentifiersIsNotBlocked()
    {
        var mistyper = From("198.51.100.68");
        var (email, _) = await NewUserAsync();
        for (var i = 0; i < 8; i++)
        {
            var response = await mistyper.PostLoginAsync(i % 2 == 0 ? email : "other@example.com", "Wrong-Password-1!");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        await _factory.ClearLockoutAsync(email);
        await mistyper.LoginAsync(email);
    }

    [Fact]
    public async Task IPv6FailuresAreCountedPerSlash64()
    {
        for (var i = 0; i < 6; i++)
        {
            var response = await From($"2001:db8:66:1::{i + 1:x}").PostLoginAsync($"leaked.{i}@example.com", "Guessed-Password-1!");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        var (email, _) = await NewUserAsync();
        await (await From("2001:db8:66:1:ffff::9").PostLoginAsync(email)).AssertProblemAsync(HttpStatusCode.Forbidden, "ip_blocked");
        await From("2001:db8:66:2::1").LoginAsync(email);
    }

    [Fact]
    public async Task AForgedForwardedForFromAnUntrustedSenderChangesNothing()
    {
        var (email, _) = await NewUserAsync();
        const string victimAddress = "192.0.2.99";

        // The attacker claims to be the victim's address: the failures count on the attacker's own.
        await StuffAsync(From(Attacker, forwardedFor: victimAddress), 6);

        await (await From(Attacker).PostLoginAsync(email)).AssertProblemAsync(HttpStatusCode.Forbidden, "ip_blocked");
        await (await From(Attacker, forwardedFor: "192.0.2.100").PostLoginAsync(email)).AssertProblemAsync(HttpStatusCode.Forbidden, "ip_blocked");
        await From(victimAddress).LoginAsync(email);
        Assert.False(await _factory.InDbAsync(db => db.IpBlocks.AnyAsync(b => b.Network == victimAddress)));

        // Through the trusted proxy the forwarded address is the client, and it is the one blocked.
        await StuffAsync(From(Proxy, forwardedFor: "198.51.100.70"), 6);
        await (await From(Proxy, forwardedFor: "198.51.100.70").PostLoginAsync(email)).AssertProblemAsync(HttpStatusCode.Forbidden, "ip_blocked");
        await From(Proxy, forwardedFor: "198.51.100.71").LoginAsync(email);
    }

    [Fact]
    public async Task AnAdministratorListsAndLiftsABlock()
    {
        var attacker = From("198.51.100.69");
        var (email, _) = await NewUserAsync();
        await StuffAsync(attacker, 6);
        await (await attacker.PostLoginAsync(email)).AssertProblemAsync(HttpStatusCode.Forbidden, "ip_blocked");

        var admin = await _factory.AdminClientAsync();
        var blocks = await admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/admin/ip-rules/blocks");
        var block = blocks.EnumerateArray().Single(b => b.GetProperty("network").GetString() == "198.51.100.69");
        Assert.Equal("credential_stuffing", block.GetProperty("reason").GetString());

        var lifted = await admin.Client.DeleteAsync($"/api/v1/admin/ip-rules/blocks/{block.GetProperty("id").GetGuid()}");
        Assert.Equal(HttpStatusCode.NoContent, lifted.StatusCode);

        await attacker.LoginAsync(email);
        await _factory.EventuallyInDbAsync(db => db.AuditLog.AnyAsync(e => e.Action == "ip.unblocked" && e.ActorId == admin.Id),
            "the ip.unblocked event with the administrator as actor");
        await (await admin.Client.DeleteAsync($"/api/v1/admin/ip-rules/blocks/{block.GetProperty("id").GetGuid()}"))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }
}
