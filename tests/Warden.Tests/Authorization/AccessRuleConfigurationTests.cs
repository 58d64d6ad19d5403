using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Warden.Policies;
using Warden.Server.Authorization.Policies;
using Warden.Tests.Administration;
using Warden.Tests.Infrastructure;
using Warden.Server.Infrastructure.Http;

namespace Warden.Tests.Authorization;

/// <summary>The shipped rules, and rules changed through configuration, as the running server applies them.</summary>
public sealed class AccessRuleConfigurationTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private static ClaimsPrincipal Principal(Guid userId, params string[] amr) =>
        new(new ClaimsIdentity([new Claim("sub", userId.ToString()), .. amr.Select(a => new Claim("amr", a))], "Bearer", "sub", "roles"));

    [Fact]
    public async Task TheDefaultRulesAllowOwnDataAndAnyonesOnlyWithTheAllPermissions()
    {
        var admin = await factory.AdminClientAsync();
        var alice = await factory.SignedInClientAsync();
        var bob = await factory.SignedInClientAsync();
        var policy = factory.Services.GetRequiredService<AccessPolicy>();
        var http = new DefaultHttpContext();

        Assert.True((await policy.EvaluateAsync(Principal(alice.Id), PolicyActions.Read, PolicyResource.Profile(alice.Id), http)).IsAllowed);
        Assert.True((await policy.EvaluateAsync(Principal(alice.Id), PolicyActions.Write, PolicyResource.Profile(alice.Id), http)).IsAllowed);
        Assert.False((await policy.EvaluateAsync(Principal(alice.Id), PolicyActions.Read, PolicyResource.Profile(bob.Id), http)).IsAllowed);
        Assert.False((await policy.EvaluateAsync(new ClaimsPrincipal(new ClaimsIdentity()), PolicyActions.Read, PolicyResource.Profile(bob.Id), http)).IsAllowed);

        // A moderator (read:all) reads anyone's profile but changes only their own; the decision names the rule.
        await admin.AssignRoleAsync(alice.Id, "moderator");
        var read = await policy.EvaluateAsync(Principal(alice.Id), PolicyActions.Read, PolicyResource.Profile(bob.Id), http);
        Assert.Equal("readAll", read.Rule);
        Assert.False((await policy.EvaluateAsync(Principal(alice.Id), PolicyActions.Write, PolicyResource.Profile(bob.Id), http)).IsAllowed);

        // Suspended users are denied everything, even their own data.
        await (await admin.Client.SendAsync(HttpMethod.Put, $"/api/v1/admin/users/{bob.Id}/status", new { status = "suspended" })).ReadJsonAsync();
        var own = await policy.EvaluateAsync(Principal(bob.Id), PolicyActions.Read, PolicyResource.Profile(bob.Id), http);
        Assert.Equal(new PolicyDecision(false, "activeSubjectsOnly", null), own);
    }
}

public sealed class StepUpRuleTests : IDisposable
{
    private readonly WardenFactory _factory = new WardenFactory().With("Warden:Authorization:Rules:adminStepUp:Enabled", "true");

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task WithStepUpOnAdministrationNeedsASecondFactor()
    {
        var admin = await _factory.AdminClientAsync(); // signed in with a password only
        var client = _factory.CreateClient();
        await (await admin.Client.GetAsync("/api/v1/admin/users")).AssertProblemAsync(HttpStatusCode.Forbidden, ProblemCodes.StepUpRequired);
        await (await admin.Client.GetAsync("/api/v1/roles")).AssertProblemAsync(HttpStatusCode.Forbidden, ProblemCodes.StepUpRequired);
        Assert.Equal(HttpStatusCode.OK, (await admin.Client.GetAsync("/api/v1/users/me")).StatusCode);
    }
}

public sealed class NetworkRuleTests : IDisposable
{
    private readonly WardenFactory _factory = new WardenFactory()
        .With("Warden:Authorization:Rules:officeOnly:Effect", "deny")
        .With("Warden:Authorization:Rules:officeOnly:Actions:0", "admin.users.*")
        .With("Warden:Authorization:Rules:officeOnly:Conditions:0:Attribute", "context.ip")
        .With("Warden:Authorization:Rules:officeOnly:Conditions:0:Operator", "notInCidr")
        .With("Warden:Authorization:Rules:officeOnly:Conditions:0:Values:0", "10.0.0.0/8");

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task ARuleAddedInConfigurationDeniesAdministrationFromOutsideTheNetwork()
    {
        var admin = await _factory.AdminClientAsync();
        var client = _factory.CreateClient();
        await (await admin.Client.GetAsync("/api/v1/admin/users")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.OK, (await admin.Client.GetAsync("/api/v1/roles")).StatusCode); // not an admin.users action
    }
}
