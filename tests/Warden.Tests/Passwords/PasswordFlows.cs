using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
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

    /// <summary>Changes the password of the user <paramref name="client"/> acts as.</summary>
    public static Task<HttpResponseMessage> ChangeAsync(this HttpClient client, string currentPassword, string newPassword) =>
        client.PutAsJsonAsync("/api/v1/users/password", new { currentPassword, newPassword });

    /// <summary>Waits for the <paramref name="number"/>-th email to <paramref name="address"/> whose subject starts as given.</summary>
    public static Task<MailboxMessage> WaitForEmailAsync(this WardenFactory factory, string address, string subject, int number = 1) =>
        Eventually.ValueAsync(
            () => Task.FromResult(factory.Mailbox.To(address).Where(m => m.Subject.StartsWith(subject, StringComparison.Ordinal)).ElementAtOrDefault(number - 1)),
            $"email #{number} '{subject}' to {address}",
            otherwise: () => $"The mailbox has: {string.Join("; ", factory.Mailbox.To(address))}");

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
        var normalized = email.ToUpperInvariant();
        await factory.InDbAsync(async db =>
        {
            change(await db.Users.SingleAsync(u => u.NormalizedEmail == normalized));
            await db.SaveChangesAsync();
        });
    }

    public static Task<User> LoadUserAsync(this WardenFactory factory, string email)
    {
        var normalized = email.ToUpperInvariant();
        return factory.InDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.NormalizedEmail == normalized));
    }

    public static Task<List<OutboxMessage>> EventsAsync(this WardenFactory factory, Guid userId, string type) =>
        factory.InDbAsync(db => db.OutboxMessages.AsNoTracking().Where(m => m.Subject == userId && m.Type == type).ToListAsync());
}
