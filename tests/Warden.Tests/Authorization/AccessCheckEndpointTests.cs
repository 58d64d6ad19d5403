using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Warden.Server.Infrastructure.Http;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Warden.Tests.Oidc;

namespace Warden.Tests.Authorization;

/// <summary>POST /api/v1/authz/check: a service asks Warden's rules about a user, with a client-credentials token.</summary>
[SqliteOnly]
public sealed class AccessCheckEndpointTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task AServiceWithTheScopeAsksAboutAUserAndWardensRulesAnswer()
    {
        var service = await ServiceClientAsync("authz:check");
        var alice = await factory.SignedInClientAsync();
        var bob = await factory.SignedInClientAsync();

        var own = await (await service.PostAsJsonAsync("/api/v1/authz/check", Check(alice.Id, "read", alice.Id))).ReadJsonAsync();
        var others = await (await service.PostAsJsonAsync("/api/v1/authz/check", Check(alice.Id, "read", bob.Id))).ReadJsonAsync();
        var batch = await (await service.PostAsJsonAsync("/api/v1/authz/check/batch", new
        {
            checks = new[] { Check(bob.Id, "read", bob.Id), Check(bob.Id, "read", alice.Id), Check(null, "read", bob.Id) },
        })).ReadJsonAsync();

        Assert.True(own.GetProperty("allowed").GetBoolean());
        Assert.False(others.GetProperty("allowed").GetBoolean());
        Assert.Equal([true, false, false], batch.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("allowed").GetBoolean()));
    }

    [Fact]
    public async Task AttributesSentWithTheSubjectOrResourceAreIgnored()
    {
        var service = await ServiceClientAsync("authz:check");
        var alice = await factory.SignedInClientAsync();
        var bob = await factory.SignedInClientAsync();

        // read:all would let alice read bob's profile, and bob has no such power to protect: both forged.
        var forged = await service.PostAsJsonAsync("/api/v1/authz/check", new
        {
            subject = new { id = alice.Id, roles = new[] { "admin" }, permissions = new[] { "read:all", "admin:users" }, status = "active" },
            action = "read",
            resource = new { type = "user", ownerId = bob.Id, permissions = Array.Empty<string>() },
        });

        Assert.False((await forged.ReadJsonAsync()).GetProperty("allowed").GetBoolean());
    }

    [Fact]
    public async Task AnUnknownSubjectIsAnsweredLikeASuspendedOneWithoutNamingARule()
    {
        var service = await ServiceClientAsync("authz:check");
        var admin = await factory.AdminClientAsync();
        var suspended = await factory.SignedInClientAsync();
        await (await admin.Client.SendAsync(HttpMethod.Put, $"/api/v1/admin/users/{suspended.Id}/status", new { status = "suspended" })).ReadJsonAsync();
        var unknown = Guid.NewGuid();

        var forUnknown = await (await service.PostAsJsonAsync("/api/v1/authz/check", Check(unknown, "read", unknown))).Content.ReadAsStringAsync();
        var forSuspended = await (await service.PostAsJsonAsync("/api/v1/authz/check", Check(suspended.Id, "read", suspended.Id))).Content.ReadAsStringAsync();

        Assert.Equal(forSuspended, forUnknown);
        Assert.DoesNotContain("rule", forUnknown, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"allowed\":false", forUnknown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AUserTokenATokenWithoutTheScopeAndNoTokenAreRefused()
    {
        var user = await factory.SignedInClientAsync();
        var withoutScope = await ServiceClientAsync("warden");
        var body = Check(user.Id, "read", user.Id);

        await (await user.Client.PostAsJsonAsync("/api/v1/authz/check", body)).AssertProblemAsync(HttpStatusCode.Forbidden, ProblemCodes.Forbidden);
        await (await withoutScope.PostAsJsonAsync("/api/v1/authz/check", body)).AssertProblemAsync(HttpStatusCode.Forbidden, ProblemCodes.Forbidden);
        await (await factory.CreateClient().PostAsJsonAsync("/api/v1/authz/check", body)).AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
    }

    [Fact]
    public async Task AClientNotGrantedTheScopeCannotObtainIt()
    {
        var clientId = await factory.RegisterClientAsync();

        var response = await TokenAsync(clientId, "authz:check");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var answer = await response.Content.ReadAsStringAsync();
        Assert.Contains("scope", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("access_token", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadQuestionsAndOversizedBatchesAreProblemsNamingTheField()
    {
        var service = await ServiceClientAsync("authz:check");

        var bad = await service.PostAsJsonAsync("/api/v1/authz/check", new
        {
            subject = new { id = "alice" }, action = "", resource = new { type = "course", ownerId = "x" }, context = new { ip = "10.1" },
        });
        var tooMany = await service.PostAsJsonAsync("/api/v1/authz/check/batch", new { checks = Enumerable.Repeat(Check(null, "read", Guid.NewGuid()), 101) });
        var oneBad = await service.PostAsJsonAsync("/api/v1/authz/check/batch", new { checks = new object[] { Check(null, "read", Guid.NewGuid()), new { action = "read" } } });

        var errors = (await bad.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed)).GetProperty("errors");
        Assert.Equal(["action", "context.ip", "resource.ownerId", "subject.id"], errors.EnumerateObject().Select(e => e.Name).Order());
        await tooMany.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed);
        var batchErrors = (await oneBad.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed)).GetProperty("errors");
        Assert.Equal(["checks[1].resource.type"], batchErrors.EnumerateObject().Select(e => e.Name));
    }

    private static object Check(Guid? subject, string action, Guid owner) => new
    {
        subject = subject is null ? null : new { id = subject },
        action,
        resource = new { type = "course", ownerId = owner },
        context = new { ip = "192.0.2.7" },
    };

    private async Task<HttpClient> ServiceClientAsync(string scope)
    {
        var clientId = await factory.RegisterClientAsync(scopes: ["authz:check"]);
        var token = (await (await TokenAsync(clientId, scope)).JsonAsync()).GetProperty("access_token").GetString()!;
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private Task<HttpResponseMessage> TokenAsync(string clientId, string scope) =>
        factory.Browser().TokenAsync(clientId, ("grant_type", "client_credentials"), ("scope", scope));
}
