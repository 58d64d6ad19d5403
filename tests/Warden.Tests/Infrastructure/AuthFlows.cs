using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Users;

namespace Warden.Tests.Infrastructure;

public sealed record Tokens(string AccessToken, string RefreshToken, int ExpiresIn, JsonElement User);

/// <summary>Steps of the sign-up and sign-in flows, for tests whose subject is something further on.</summary>
public static class AuthFlows
{
    public const string Password = "Sturdy-Pass-2024!";

    public static string NewEmail(string prefix = "user") => $"{prefix}.{Guid.NewGuid():N}@example.com";

    public static async Task<Guid> RegisterAsync(this HttpClient client, string email, string password = Password, string? username = null)
    {
        var response = await client.PostAsJsonAsync("/api/v1/auth/register", new { email, password, username, fullName = "Test Person" });
        var body = await response.ReadJsonAsync(HttpStatusCode.Created);
        return body.GetProperty("id").GetGuid();
    }

    /// <summary>Marks the account verified directly in the database (for tests not about verification).</summary>
    public static async Task ActivateAsync(this WardenFactory factory, string email)
    {
        var normalized = email.ToUpperInvariant();
        var now = factory.Time.GetUtcNow();
        await factory.InDbAsync(db => db.Users.Where(u => u.NormalizedEmail == normalized).ExecuteUpdateAsync(s => s
            .SetProperty(u => u.Status, UserStatus.Active)
            .SetProperty(u => u.EmailConfirmed, true)
            .SetProperty(u => u.EmailVerifiedAt, now)));
    }

    /// <summary>Clears the failed-attempt count of an email address (for tests about something else).</summary>
    public static async Task ClearLockoutAsync(this WardenFactory factory, string email)
    {
        var key = "email:" + email.ToUpperInvariant();
        await factory.InDbAsync(db => db.LoginAttempts.Where(a => a.Identifier == key).ExecuteDeleteAsync());
    }

    /// <summary>Waits until the user.registered handler has made the default profile.</summary>
    public static Task WaitForProfileAsync(this WardenFactory factory, Guid userId) =>
        factory.EventuallyInDbAsync(db => db.Profiles.AnyAsync(p => p.UserId == userId), $"the default profile of {userId}");

    /// <summary>A new, verified user signed in on <paramref name="client"/>: their email and tokens (for tests about the tokens themselves; to act as a user, see <see cref="SignedInClients.SignedInClientAsync"/>).</summary>
    public static async Task<(string Email, Tokens Tokens)> SignedInUserAsync(this WardenFactory factory, HttpClient? client = null, string? username = null)
    {
        client ??= factory.CreateClient();
        var email = NewEmail();
        await client.RegisterAsync(email, username: username);
        await factory.ActivateAsync(email);
        return (email, await client.LoginAsync(email));
    }

    public static Task<HttpResponseMessage> PostLoginAsync(this HttpClient client, string email, string password = Password, bool rememberMe = false) =>
        client.PostAsJsonAsync("/api/v1/auth/login", new { email, password, rememberMe });

    public static async Task<Tokens> LoginAsync(this HttpClient client, string email, string password = Password, bool rememberMe = false)
    {
        var body = await (await client.PostLoginAsync(email, password, rememberMe)).ReadJsonAsync();
        return ReadTokens(body);
    }

    public static Tokens ReadTokens(JsonElement body) => new(
        body.GetProperty("accessToken").GetString()!,
        body.GetProperty("refreshToken").GetString()!,
        body.GetProperty("expiresIn").GetInt32(),
        body.GetProperty("user"));
}
