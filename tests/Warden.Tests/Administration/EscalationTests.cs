using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Users;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Administration;

/// <summary>Attempts to gain or hand out more than one holds, and to lock everyone out.</summary>
public sealed class EscalationTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>A user holding a role with admin:users only (plus the default user role).</summary>
    private async Task<(SignedInUser Admin, SignedInUser Helpdesk)> HelpdeskAsync()
    {
        var admin = await factory.AdminClientAsync();
        var role = Unique("helpdesk");
        await admin.CreateRoleAsync(role, "admin:users");
        return (admin, await factory.SignedInWithRoleAsync(admin, role));
    }

    [Fact]
    public async Task AnAdminUsersHolderCannotActOnAnAdminSystemHolder()
    {
        var (admin, helpdesk) = await HelpdeskAsync();
        var rootId = admin.Id;
        var client = factory.CreateClient();
        var token = helpdesk.AccessToken;

        // Reading is allowed; acting is not.
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClientFor(token).GetAsync($"/api/v1/admin/users/{rootId}")).StatusCode);
        (HttpMethod, string, object?)[] attempts =
        [
            (HttpMethod.Put, $"/api/v1/admin/users/{rootId}/status", new { status = "suspended" }),
            (HttpMethod.Delete, $"/api/v1/admin/users/{rootId}/sessions", null),
            (HttpMethod.Delete, $"/api/v1/admin/users/{rootId}", null),
            (HttpMethod.Post, $"/api/v1/admin/users/{rootId}/roles", new { role = "user" }),
            (HttpMethod.Delete, $"/api/v1/admin/users/{rootId}/roles/admin", null),
            (HttpMethod.Post, $"/api/v1/admin/users/{rootId}/unlock", null),
        ];
        foreach (var (method, url, body) in attempts)
        {
            var problem = await (await helpdesk.Client.SendAsync(method, url, body)).AssertProblemAsync(HttpStatusCode.Forbidden, "privilege_escalation");
            Assert.Contains("admin:system", problem.GetProperty("missingPermissions").EnumerateArray().Select(e => e.GetString()));
        }

        // Nothing happened: the administrator still signs in and keeps the admin role.
        var root = await (await admin.Client.GetAsync($"/api/v1/admin/users/{rootId}")).ReadJsonAsync();
        Assert.Equal("active", root.GetProperty("account").GetProperty("status").GetString());
        Assert.Contains("admin", root.GetProperty("account").GetProperty("roles").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(HttpStatusCode.OK, (await admin.Client.GetAsync("/api/v1/users/me")).StatusCode);
    }

    [Fact]
    public async Task NobodyGrantsARoleWithPermissionsTheyLack()
    {
        var (_, helpdesk) = await HelpdeskAsync();
        var target = await factory.SignedInClientAsync();
        var client = factory.CreateClient();

        foreach (var role in new[] { "admin", "moderator" })
        {
            await (await helpdesk.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{target.Id}/roles", new { role }))
                .AssertProblemAsync(HttpStatusCode.Forbidden, "privilege_escalation");
        }

        // Nor through creating a user with the role.
        await (await helpdesk.Client.SendAsync(HttpMethod.Post, "/api/v1/admin/users", new { email = AuthFlows.NewEmail(), password = AuthFlows.Password, roles = new[] { "admin" } }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "privilege_escalation");

        // The target is unchanged; a role within the helpdesk's own permissions is fine.
        var me = await (await target.Client.GetAsync("/api/v1/users/me")).ReadJsonAsync();
        Assert.Equal(["user"], me.GetProperty("roles").EnumerateArray().Select(e => e.GetString()));
        var custom = Unique("reader");
        var admin = await factory.AdminClientAsync();
        await admin.CreateRoleAsync(custom, "read:own");
        Assert.Equal(HttpStatusCode.OK, (await helpdesk.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{target.Id}/roles", new { role = custom })).StatusCode);
    }

    [Fact]
    public async Task ASystemAdministratorCannotPutPermissionsTheyLackIntoARole()
    {
        var admin = await factory.AdminClientAsync();
        var sysopRole = Unique("sysop");
        var sysopRoleId = await admin.CreateRoleAsync(sysopRole, "admin:system", "admin:users", "read:own");
        var sysop = await factory.SignedInWithRoleAsync(admin, sysopRole);
        var client = factory.CreateClient();

        // Not into their own role, not into a new one, not by assigning the admin role to an accomplice.
        await (await sysop.Client.SendAsync(HttpMethod.Put, $"/api/v1/roles/{sysopRoleId}", new { name = sysopRole, permissions = new[] { "admin:system", "admin:users", "read:own", "write:all" } }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "privilege_escalation");
        await (await sysop.Client.SendAsync(HttpMethod.Post, "/api/v1/roles", new { name = Unique("editor"), permissions = new[] { "read:all" } }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "privilege_escalation");
        var accomplice = await factory.SignedInClientAsync();
        await (await sysop.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{accomplice.Id}/roles", new { role = "admin" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "privilege_escalation");

        // Nor act on the full administrator, who holds more.
        var rootId = admin.Id;
        await (await sysop.Client.SendAsync(HttpMethod.Put, $"/api/v1/admin/users/{rootId}/status", new { status = "suspended" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "privilege_escalation");
    }

    [Fact]
    public async Task NobodyChangesTheirOwnRolesOrStatus()
    {
        var admin = await factory.AdminClientAsync();
        var rootId = admin.Id;
        var client = factory.CreateClient();
        await (await admin.Client.SendAsync(HttpMethod.Put, $"/api/v1/admin/users/{rootId}/status", new { status = "suspended" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "cannot_change_self");
        await (await admin.Client.SendAsync(HttpMethod.Delete, $"/api/v1/admin/users/{rootId}/roles/admin"))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "cannot_change_self");
        await (await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{rootId}/roles", new { role = "moderator" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "cannot_change_self");
        await (await admin.Client.SendAsync(HttpMethod.Delete, $"/api/v1/admin/users/{rootId}"))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "cannot_change_self");
    }

    [Fact]
    public async Task AnAdministratorMayActOnALesserUser()
    {
        var (_, helpdesk) = await HelpdeskAsync();
        var target = await factory.SignedInClientAsync();
        var client = factory.CreateClient();
        var response = await helpdesk.Client.SendAsync(HttpMethod.Put, $"/api/v1/admin/users/{target.Id}/status", new { status = "suspended" });
        Assert.Equal("suspended", (await response.ReadJsonAsync()).GetProperty("status").GetString());
    }
}

/// <summary>The last active holder of admin:system stays one, whoever tries and however concurrently.</summary>
public sealed class LastAdministratorTests : IDisposable
{
    private readonly WardenFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task AdminSystemCannotBeTakenFromTheLastRoleThatGrantsItToAnActiveUser()
    {
        var admin = await _factory.AdminClientAsync();
        var client = _factory.CreateClient();
        var roles = await (await admin.Client.GetAsync("/api/v1/roles")).ReadJsonAsync();
        var adminRole = roles.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "admin");
        var without = adminRole.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()).Where(p => p != "admin:system").ToArray();

        await (await admin.Client.SendAsync(HttpMethod.Put, $"/api/v1/roles/{adminRole.GetProperty("id").GetGuid()}", new { name = "admin", permissions = without }))
            .AssertProblemAsync(HttpStatusCode.Conflict, "last_administrator");

        var after = await (await admin.Client.GetAsync($"/api/v1/roles/{adminRole.GetProperty("id").GetGuid()}")).ReadJsonAsync();
        Assert.Contains("admin:system", after.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task EditingARoleIsActingOnEveryHolderSoASystemAdministratorCannotStripAMorePowerfulOne()
    {
        var root = await _factory.AdminClientAsync();
        (await root.Client.SendAsync(HttpMethod.Post, "/api/v1/permissions", new { name = "billing:admin" })).EnsureSuccessStatusCode();
        await root.CreateRoleAsync("ops", "admin:system", "admin:users", "read:own", "write:own");
        var ops = await _factory.SignedInWithRoleAsync(root, "ops");

        var roles = await (await root.Client.GetAsync("/api/v1/roles")).ReadJsonAsync();
        var adminRole = roles.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "admin");
        var adminRoleId = adminRole.GetProperty("id").GetGuid();
        var held = adminRole.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains("billing:admin", held);

        // Every permission ops takes away is one ops holds; the holder of the role (root) holds billing:admin, which ops lacks.
        var problem = await (await ops.Client.SendAsync(HttpMethod.Put, $"/api/v1/roles/{adminRoleId}", new { name = "admin", permissions = held.Where(p => p != "admin:users").ToArray() }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "privilege_escalation");
        Assert.Contains("billing:admin", problem.GetProperty("missingPermissions").EnumerateArray().Select(e => e.GetString()));

        var after = await (await root.Client.GetAsync($"/api/v1/roles/{adminRoleId}")).ReadJsonAsync();
        Assert.Equal(held.Order(StringComparer.Ordinal), after.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await root.Client.GetAsync("/api/v1/admin/users")).StatusCode);

        // A role whose holders ops may act on, ops may change.
        var helpdeskRole = await root.CreateRoleAsync("helpdesk", "admin:users", "read:own");
        await _factory.SignedInWithRoleAsync(root, "helpdesk");
        await (await ops.Client.SendAsync(HttpMethod.Put, $"/api/v1/roles/{helpdeskRole}", new { name = "helpdesk", permissions = new[] { "read:own" } })).ReadJsonAsync();
    }

    [Fact]
    public async Task TheLastSystemAdministratorCannotEraseThemselves()
    {
        var root = await _factory.AdminClientAsync();
        var erase = () => root.Client.SendAsync(HttpMethod.Delete, "/api/v1/users/me", new { password = WardenFactory.AdminPassword });

        await (await erase()).AssertProblemAsync(HttpStatusCode.Conflict, "last_administrator");
        Assert.Equal(HttpStatusCode.OK, (await root.Client.GetAsync("/api/v1/users/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await root.Client.GetAsync("/api/v1/admin/users")).StatusCode);

        // With another administrator, leaving is allowed.
        await _factory.SignedInWithRoleAsync(root, "admin");
        Assert.Equal(HttpStatusCode.NoContent, (await erase()).StatusCode);
    }

    [Fact]
    public async Task TwoAdministratorsSuspendingEachOtherAtOnceLeaveOneActive()
    {
        var root = await _factory.AdminClientAsync();
        var rootId = root.Id;
        var second = await _factory.SignedInWithRoleAsync(root, "admin");

        var responses = await Task.WhenAll(
            root.Client.SendAsync(HttpMethod.Put, $"/api/v1/admin/users/{second.Id}/status", new { status = "suspended" }),
            second.Client.SendAsync(HttpMethod.Put, $"/api/v1/admin/users/{rootId}/status", new { status = "suspended" }));

        // The loser either finds itself the last administrator (409) or, arriving after the winner committed,
        // finds its session ended (401) or its permissions gone (403).
        var codes = string.Join(", ", responses.Select(r => (int)r.StatusCode));
        Assert.True(responses.Count(r => r.StatusCode == HttpStatusCode.OK) == 1, codes);
        Assert.True(responses.Count(r => r.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) == 1, codes);

        await _factory.InDbAsync(async db =>
        {
            Assert.Equal(1, await db.Users.CountAsync(u => u.Status == UserStatus.Active && (u.Id == rootId || u.Id == second.Id)));
        });
    }
}
