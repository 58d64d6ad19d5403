using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Passwords;

/// <summary>Steps of the password flows, for the lifecycle tests.</summary>
internal static class PasswordFlows
{
    public const string ResetSubject = "Reset your password";
    public const string ChangedSubject = "Your password was changed";

    public static Task<HttpResponseMessage> ForgotAsync(this HttpClient client, string email) =>
        client.PostAsJsonAsync("/api/v1/auth/forgot-password", new { email });

    public static Task<HttpResponseMessage> ResetAsync(this HttpClient client, string token, string newPassword) =>
        client.PostAsJsonAsync("/api/v1/auth/reset-password", new { token, newPassword });

    public static async Task<HttpResponseMessage> ChangeAsync(this HttpClient client, string accessToken, string currentPassword, string newPassword)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/v1/users/password")
        {
            Content = JsonContent.Create(new { currentPassword, newPassword }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await client.SendAsync(request);
    }

    /// <summary>Waits for the <paramref name="number"/>-th email to <paramref name="address"/> whose subject starts as given.</summary>
    public static async Task<MailboxMessage> WaitForEmailAsync(this WardenFactory factory, string address, string subject, int number = 1)
    {
        var deadline = DateTime.UtcNow + Mailbox.DefaultTimeout;
        while (true)
        {
            var found = factory.Mailbox.To(address).Where(m => m.Subject.StartsWith(subject, StringComparison.Ordinal)).ToList();
            if (found.Count >= number)
            {
                return found[number - 1];
            }

            Assert.True(DateTime.UtcNow < deadline, $"No email #{number} '{subject}' to {address}; the mailbox has: {string.Join("; ", factory.Mailbox.To(address))}");
            await Task.Delay(25);
        }
    }

    public static int CountEmails(this WardenFactory factory, string address, string subject) =>
        factory.Mailbox.To(address).Count(m => m.Subject.StartsWith(subject, StringComparison.Ordinal));

    /// <summary>Asks for a reset link and returns the token from the <paramref name="number"/>-th reset email.</summary>
    public static async Task<string> RequestResetTokenAsync(this WardenFactory factory, HttpClient client, string email, int number = 1)
    {
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await client.ForgotAsync(email)).StatusCode);
        return (await factory.WaitForEmailAsync(email, ResetSubject, number)).Token();
    }

    public static async Task UpdateUserAsync(this WardenFactory factory, string email, Action<User> change)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        var normalized = email.ToUpperInvariant();
        var user = await db.Users.SingleAsync(u => u.NormalizedEmail == normalized);
        change(user);
        await db.SaveChangesAsync();
    }

    public static async Task<User> LoadUserAsync(this WardenFactory factory, string email)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        var normalized = email.ToUpperInvariant();
        return await db.Users.AsNoTracking().SingleAsync(u => u.NormalizedEmail == normalized);
    }

    public static async Task<List<OutboxMessage>> EventsAsync(this WardenFactory factory, Guid userId, string type)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        return await db.OutboxMessages.AsNoTracking().Where(m => m.Subject == userId && m.Type == type).ToListAsync();
    }
}
