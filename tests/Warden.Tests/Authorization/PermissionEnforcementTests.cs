using System.Net;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Warden.Tests.Administration;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authorization;

public sealed class PermissionEnforcementTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private static readonly string[] GuardedPrefixes = ["/api/v1/admin/", "/api/v1/admin", "/api/v1/roles", "/api/v1/permissions"];

    /// <summary>Every administrative endpoint the server maps, with a random id in each route parameter.</summary>
    private List<(HttpMethod Method, string Path)> AdminEndpoints()
    {
        var sources = factory.Services.GetRequiredService<EndpointDataSource>();
        var list = new List<(HttpMethod, string)>();
        foreach (var endpoint in sources.Endpoints.OfType<RouteEndpoint>())
        {
            var template = "/" + endpoint.RoutePattern.RawText!.Trim('/');
            if (!GuardedPrefixes.Any(p => template.StartsWith(p, StringComparison.Ordinal)))
            {
                continue;
            }

            var path = System.Text.RegularExpressions.Regex.Replace(template, "{role}", "user");
            path = System.Text.RegularExpressions.Regex.Replace(path, "{[^}]+}", Guid.NewGuid().ToString());
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods)
            {
                list.Add((new HttpMethod(method), path));
            }
        }

        return list;
    }

    [Fact]
    public void TheAdministrativeEndpointsAreAllMapped()
    {
        var mapped = AdminEndpoints().Select(e => $"{e.Method} {System.Text.RegularExpressions.Regex.Replace(e.Path, "[0-9a-f-]{36}", "{id}")}").ToHashSet();
        string[] expected =
        [
            "GET /api/v1/admin/users", "POST /api/v1/admin/users", "GET /api/v1/admin/users/{id}", "PUT /api/v1/admin/users/{id}/status",
            "POST /api/v1/admin/users/{id}/unlock", "DELETE /api/v1/admin/users/{id}/sessions", "DELETE /api/v1/admin/users/{id}",
            "POST /api/v1/admin/users/{id}/roles", "DELETE /api/v1/admin/users/{id}/roles/user",
            "GET /api/v1/roles", "POST /api/v1/roles", "GET /api/v1/roles/{id}", "PUT /api/v1/roles/{id}", "DELETE /api/v1/roles/{id}",
            "GET /api/v1/permissions", "POST /api/v1/permissions", "DELETE /api/v1/permissions/{id}",
        ];
        Assert.All(expected, e => Assert.Contains(e, mapped));
    }

    [Fact]
    public async Task EveryAdministrativeEndpointAnswers401Anonymously()
    {
        var client = factory.CreateClient();
        foreach (var (method, path) in AdminEndpoints())
        {
            var response = await client.SendAsync(method, path, new { role = "admin", status = "suspended", name = "x" });
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} answered {(int)response.StatusCode}");
            await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        }
    }

    [Fact]
    public async Task EveryAdministrativeEndpointAnswers403ToAPlainUser()
    {
        var user = await factory.SignedInClientAsync();
        foreach (var (method, path) in AdminEndpoints())
        {
            var response = await user.Client.SendAsync(method, path, new { role = "admin", status = "suspended", name = "x" });
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path} answered {(int)response.StatusCode}");
            await response.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }
    }

    [Fact]
    public async Task ChangingRolesAndPermissionsNeedsAdminSystemNotJustAdminUsers()
    {
        var admin = await factory.AdminClientAsync();
        var role = "helpdesk-" + Guid.NewGuid().ToString("N")[..8];
        await admin.CreateRoleAsync(role, "admin:users");
        var helpdesk = await factory.SignedInWithRoleAsync(admin, role);
        var client = factory.CreateClient();

        await (await helpdesk.Client.GetAsync("/api/v1/roles")).ReadJsonAsync();
        await (await helpdesk.Client.GetAsync("/api/v1/permissions")).ReadJsonAsync();
        await (await helpdesk.Client.SendAsync(HttpMethod.Post, "/api/v1/roles", new { name = "mine", permissions = new[] { "read:own" } }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await helpdesk.Client.SendAsync(HttpMethod.Post, "/api/v1/permissions", new { name = "reports:read" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task ARemovedRoleStopsWorkingOnTheNextRequestWithTheSameAccessToken()
    {
        var admin = await factory.AdminClientAsync();
        var role = "support-" + Guid.NewGuid().ToString("N")[..8];
        await admin.CreateRoleAsync(role, "admin:users");
        var user = await factory.SignedInClientAsync();
        var client = factory.CreateClient();

        // The token was issued before the role: a grant takes effect without a new token, too.
        await (await user.Client.GetAsync("/api/v1/admin/users")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await admin.AssignRoleAsync(user.Id, role);
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/v1/admin/users")).StatusCode);

        var removed = await admin.Client.SendAsync(HttpMethod.Delete, $"/api/v1/admin/users/{user.Id}/roles/{role}");
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        await (await user.Client.GetAsync("/api/v1/admin/users")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task APermissionTakenFromARoleStopsWorkingOnTheNextRequest()
    {
        var admin = await factory.AdminClientAsync();
        var role = "ops-" + Guid.NewGuid().ToString("N")[..8];
        var roleId = await admin.CreateRoleAsync(role, "admin:users");
        var user = await factory.SignedInWithRoleAsync(admin, role);
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/v1/admin/users")).StatusCode);

        var update = await admin.Client.SendAsync(HttpMethod.Put, $"/api/v1/roles/{roleId}", new { name = role, permissions = new[] { "read:own" } });
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        await (await user.Client.GetAsync("/api/v1/admin/users")).AssertProblemAsync(HttpStatusCode.Forbidden);
    }
}
