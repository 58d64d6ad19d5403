using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Administration;

/// <summary>An administrator's steps through the API, for tests whose subject is what follows.</summary>
public static class AdminFlows
{
    /// <summary>The seeded administrator's access token (holds every default permission, including admin:system).</summary>
    public static async Task<string> AdminTokenAsync(this WardenFactory factory) =>
        (await factory.CreateClient().LoginAsync(WardenFactory.AdminEmail, WardenFactory.AdminPassword)).AccessToken;

    public static async Task<Guid> AdminIdAsync(this WardenFactory factory, string adminToken)
    {
        var me = await (await factory.CreateClient().GetWithBearerAsync("/api/v1/users/me", adminToken)).ReadJsonAsync();
        return me.GetProperty("id").GetGuid();
    }

    public static async Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string url, string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await client.SendAsync(request);
    }

    public static async Task<Guid> CreateRoleAsync(this WardenFactory factory, string adminToken, string name, params string[] permissions)
    {
        var response = await factory.CreateClient().SendAsync(HttpMethod.Post, "/api/v1/roles", adminToken, new { name, permissions });
        return (await response.ReadJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }

    public static async Task AssignRoleAsync(this WardenFactory factory, string adminToken, Guid userId, string role)
    {
        var response = await factory.CreateClient().SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{userId}/roles", adminToken, new { role });
        await response.ReadJsonAsync();
    }

    /// <summary>A signed-in, active user (with the default <c>user</c> role).</summary>
    public static async Task<SignedIn> SignedInAsync(this WardenFactory factory)
    {
        var (email, tokens) = await factory.SignedInUserAsync();
        return new SignedIn(tokens.User.GetProperty("id").GetGuid(), email, tokens.AccessToken, tokens.RefreshToken);
    }

    /// <summary>A signed-in user who also holds <paramref name="role"/> (assigned after sign-in: the token predates it).</summary>
    public static async Task<SignedIn> SignedInWithRoleAsync(this WardenFactory factory, string adminToken, string role)
    {
        var user = await factory.SignedInAsync();
        await factory.AssignRoleAsync(adminToken, user.Id, role);
        return user;
    }

    public static async Task<JsonElement> ListUsersAsync(this WardenFactory factory, string token, string query)
    {
        var response = await factory.CreateClient().GetWithBearerAsync("/api/v1/admin/users?" + query, token);
        return await response.ReadJsonAsync();
    }
}

public sealed record SignedIn(Guid Id, string Email, string AccessToken, string RefreshToken);
