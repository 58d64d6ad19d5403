using System.Net;
using System.Text.Json;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Administration;

/// <summary>An administrator's steps through the API, for tests whose subject is what follows.</summary>
public static class AdminFlows
{
    public static async Task<Guid> CreateRoleAsync(this SignedInUser admin, string name, params string[] permissions)
    {
        var response = await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/roles", new { name, permissions });
        return (await response.ReadJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    public static async Task AssignRoleAsync(this SignedInUser admin, Guid userId, string role)
    {
        var response = await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{userId}/roles", new { role });
        await response.ReadJsonAsync();
    }

    /// <summary>A signed-in user who also holds <paramref name="role"/> (assigned after sign-in: the token predates it).</summary>
    public static async Task<SignedInUser> SignedInWithRoleAsync(this WardenFactory factory, SignedInUser admin, string role)
    {
        var user = await factory.SignedInClientAsync();
        await admin.AssignRoleAsync(user.Id, role);
        return user;
    }

    public static async Task<JsonElement> ListUsersAsync(this SignedInUser admin, string query) =>
        await (await admin.Client.GetAsync("/api/v1/admin/users?" + query)).ReadJsonAsync();
}
