using System.Net;
using System.Text.Json;
using Warden.Tests.Administration;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authorization;

public sealed class RoleAndPermissionTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private static string[] Names(JsonElement element, string property) =>
        [.. element.GetProperty(property).EnumerateArray().Select(e => e.GetString()!)];

    [Fact]
    public async Task TheDefaultRolesAndPermissionsAreListed()
    {
        var admin = await factory.AdminClientAsync();
        var client = factory.CreateClient();
        var roles = (await (await admin.Client.GetAsync("/api/v1/roles")).ReadJsonAsync()).EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.Equal(["read:own", "write:own"], Names(roles["user"], "permissions"));
        Assert.Equal(["read:all", "read:own", "write:own"], Names(roles["moderator"], "permissions"));
        Assert.Equal(6, Names(roles["admin"], "permissions").Length);
        Assert.True(roles["admin"].GetProperty("users").GetInt32() >= 1);

        var permissions = await (await admin.Client.GetAsync("/api/v1/permissions")).ReadJsonAsync();
        var adminSystem = permissions.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "admin:system");
        Assert.Equal(["admin"], Names(adminSystem, "roles"));
    }

    [Fact]
    public async Task ARoleIsCreatedReadChangedAndDeleted()
    {
        var admin = await factory.AdminClientAsync();
        var client = factory.CreateClient();
        var name = Unique("editor");
        var created = await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/roles", new { name, description = "Edits", permissions = new[] { "read:all", "write:all" } }))
            .ReadJsonAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal(["read:all", "write:all"], Names(created, "permissions"));

        var renamed = Unique("writer");
        var updated = await (await admin.Client.SendAsync(HttpMethod.Put, $"/api/v1/roles/{id}", new { name = renamed, permissions = new[] { "read:all" } })).ReadJsonAsync();
        Assert.Equal(renamed, updated.GetProperty("name").GetString());
        Assert.Equal(["read:all"], Names(updated, "permissions"));
        Assert.Equal(renamed, (await (await admin.Client.GetAsync($"/api/v1/roles/{id}")).ReadJsonAsync()).GetProperty("name").GetString());

        // In use, it stays; once nobody holds it, it goes.
        var user = await factory.SignedInWithRoleAsync(admin, renamed);
        await (await admin.Client.SendAsync(HttpMethod.Delete, $"/api/v1/roles/{id}")).AssertProblemAsync(HttpStatusCode.Conflict, "role_in_use");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.SendAsync(HttpMethod.Delete, $"/api/v1/admin/users/{user.Id}/roles/{renamed}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.SendAsync(HttpMethod.Delete, $"/api/v1/roles/{id}")).StatusCode);
        await (await admin.Client.GetAsync($"/api/v1/roles/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task RoleChangesAreValidated()
    {
        var admin = await factory.AdminClientAsync();
        var client = factory.CreateClient();
        await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/roles", new { name = "user", permissions = Array.Empty<string>() }))
            .AssertProblemAsync(HttpStatusCode.Conflict, "role_exists");
        await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/roles", new { name = "USER", permissions = Array.Empty<string>() }))
            .AssertProblemAsync(HttpStatusCode.Conflict, "role_exists");
        await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/roles", new { name = "bad name!", permissions = Array.Empty<string>() }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/roles", new { name = Unique("ghostly"), permissions = new[] { "summon:ghosts" } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        var roles = (await (await admin.Client.GetAsync("/api/v1/roles")).ReadJsonAsync()).EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        var userRole = roles["user"].GetProperty("id").GetGuid();
        await (await admin.Client.SendAsync(HttpMethod.Put, $"/api/v1/roles/{userRole}", new { name = "member", permissions = new[] { "read:own" } }))
            .AssertProblemAsync(HttpStatusCode.Conflict, "default_role");
        await (await admin.Client.SendAsync(HttpMethod.Delete, $"/api/v1/roles/{roles["moderator"].GetProperty("id").GetGuid()}"))
            .AssertProblemAsync(HttpStatusCode.Conflict, "default_role");
        await (await admin.Client.SendAsync(HttpMethod.Put, $"/api/v1/roles/{Guid.NewGuid()}", new { name = "x1", permissions = Array.Empty<string>() }))
            .AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ANewPermissionGoesToTheSystemAdministratorsSoItCanBeDelegated()
    {
        var admin = await factory.AdminClientAsync();
        var client = factory.CreateClient();
        var name = "reports:" + Guid.NewGuid().ToString("N")[..8];
        var created = await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/permissions", new { name, description = "Reports" })).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(["admin"], Names(created, "roles"));

        // The administrator holds it at once (same token) and may put it into a role and grant that.
        var role = Unique("analyst");
        await admin.CreateRoleAsync(role, name);
        var analyst = await factory.SignedInWithRoleAsync(admin, role);
        var me = await (await analyst.Client.GetAsync("/api/v1/users/me")).ReadJsonAsync();
        Assert.Contains(name, Names(me, "permissions"));

        await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/permissions", new { name })).AssertProblemAsync(HttpStatusCode.Conflict, "permission_exists");
        await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/permissions", new { name = "Has Spaces" })).AssertProblemAsync(HttpStatusCode.BadRequest);

        var id = created.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.SendAsync(HttpMethod.Delete, $"/api/v1/permissions/{id}")).StatusCode);
        me = await (await analyst.Client.GetAsync("/api/v1/users/me")).ReadJsonAsync();
        Assert.DoesNotContain(name, Names(me, "permissions"));
        await (await admin.Client.SendAsync(HttpMethod.Delete, $"/api/v1/permissions/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TheDefaultPermissionsCannotBeDeleted()
    {
        var admin = await factory.AdminClientAsync();
        var client = factory.CreateClient();
        var permissions = await (await admin.Client.GetAsync("/api/v1/permissions")).ReadJsonAsync();
        foreach (var permission in permissions.EnumerateArray().Where(p => p.GetProperty("name").GetString()!.EndsWith(":own", StringComparison.Ordinal) || p.GetProperty("name").GetString() == "admin:system"))
        {
            await (await admin.Client.SendAsync(HttpMethod.Delete, $"/api/v1/permissions/{permission.GetProperty("id").GetGuid()}"))
                .AssertProblemAsync(HttpStatusCode.Conflict, "default_permission");
        }
    }
}
