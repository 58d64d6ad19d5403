using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Events;
using Warden.Server.Passwords;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Passwords;

/// <summary>
/// Password expiry (Warden:Passwords:MaxAge, 90 days by default) at sign-in, the change that recovers from it,
/// and the reminder before it. Every test moves this fixture's clock forward only.
/// </summary>
public sealed class PasswordExpiryFlowTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private const string NewPassword = "Renewed-Secret-6093!";

    private static Task<HttpResponseMessage> ChangeExpiredAsync(HttpClient client, string challengeToken, string newPassword) =>
        client.PostAsJsonAsync("/api/v1/auth/change-expired-password", new { challengeToken, newPassword });

    /// <summary>A signed-in user whose password then ages 91 days; returns the expired sign-in's challenge.</summary>
    private async Task<(string Email, Guid UserId, JsonElement Challenge)> ExpiredSignInAsync(HttpClient client)
    {
        var (email, tokens) = await factory.SignedInUserAsync(client);
        factory.Time.Advance(TimeSpan.FromDays(91));
        var challenge = await (await client.PostLoginAsync(email)).ReadJsonAsync();
        return (email, tokens.User.GetProperty("id").GetGuid(), challenge);
    }

    [Fact]
    public async Task AnExpiredPasswordEarnsAChallengeAndNoTokenUntilItIsChanged()
    {
        var client = factory.CreateClient();
        var (email, tokens) = await factory.SignedInUserAsync(client);

        factory.Time.Advance(TimeSpan.FromDays(89));
        Assert.True((await (await client.PostLoginAsync(email)).ReadJsonAsync()).TryGetProperty("accessToken", out _), "not expired yet");

        factory.Time.Advance(TimeSpan.FromDays(2));
        var challenge = await (await client.PostLoginAsync(email)).ReadJsonAsync();
        Assert.True(challenge.GetProperty("passwordChangeRequired").GetBoolean());
        Assert.False(challenge.TryGetProperty("accessToken", out _));
        Assert.False(challenge.TryGetProperty("refreshToken", out _));
        var challengeToken = challenge.GetProperty("challengeToken").GetString()!;

        // The pending session exists but nothing can use it: no refresh token, not active, not listed.
        var userId = tokens.User.GetProperty("id").GetGuid();
        await factory.InDbAsync(async db =>
        {
            var pending = await db.Sessions.SingleAsync(s => s.UserId == userId && s.State == SessionState.PendingPasswordChange);
            Assert.False(await db.RefreshTokens.AnyAsync(t => t.SessionId == pending.Id));
        });

        // The same password again is no recovery.
        var reused = await (await ChangeExpiredAsync(client, challengeToken, AuthFlows.Password)).AssertProblemAsync(HttpStatusCode.BadRequest, "password_policy");
        Assert.Equal(["password_reused"], reused.GetProperty("failedRules").EnumerateArray().Select(r => r.GetString()));

        var signedIn = AuthFlows.ReadTokens(await (await ChangeExpiredAsync(client, challengeToken, NewPassword)).ReadJsonAsync());
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClientFor(signedIn).GetAsync("/api/v1/users/me")).StatusCode);
        await (await ChangeExpiredAsync(client, challengeToken, "Other-Renewal-7711!")).AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");

        // The new password is good for another 90 days; the old one is gone.
        await (await client.PostLoginAsync(email)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.True((await (await client.PostLoginAsync(email, NewPassword)).ReadJsonAsync()).TryGetProperty("accessToken", out _));

        var changed = Assert.Single(await factory.EventsAsync(userId, EventTypes.PasswordChanged));
        Assert.Equal("expired", JsonDocument.Parse(changed.Data).RootElement.GetProperty("method").GetString());
        await factory.WaitForEmailAsync(email, PasswordFlows.ChangedSubject);
    }

    [Fact]
    public async Task TheChallengeDiesAfterFiveMinutes()
    {
        var client = factory.CreateClient();
        var (_, _, challenge) = await ExpiredSignInAsync(client);
        factory.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        await (await ChangeExpiredAsync(client, challenge.GetProperty("challengeToken").GetString()!, NewPassword))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
    }

    [Fact]
    public async Task ChallengesCannotBeForgedOrUsedForAnotherPurpose()
    {
        var client = factory.CreateClient();
        var (_, _, challenge) = await ExpiredSignInAsync(client);
        var token = challenge.GetProperty("challengeToken").GetString()!;

        await (await ChangeExpiredAsync(client, (token[0] == 'A' ? 'B' : 'A') + token[1..], NewPassword)).AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        // A reset-password token endpoint does not take a sign-in challenge either.
        await (await client.ResetAsync(token, NewPassword)).AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        Assert.Equal(HttpStatusCode.OK, (await ChangeExpiredAsync(client, token, NewPassword)).StatusCode);
    }

    [Fact]
    public async Task TheExpiredPasswordAloneCannotReplaceThePasswordOfAUserWithTwoFactorAuthentication()
    {
        // The owner has an authenticator; an attacker has only the old, expired password.
        var enrolled = await factory.TotpUserAsync(factory.CreateClient());
        factory.Time.Advance(TimeSpan.FromDays(91));
        var attacker = factory.CreateClient();

        // Whatever challenge the password earns, it replaces no password and ends no session.
        var answer = await (await attacker.PostLoginAsync(enrolled.Email)).ReadJsonAsync();
        await (await ChangeExpiredAsync(attacker, answer.GetProperty("challengeToken").GetString()!, "Attacker-Chosen-9911!"))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        await (await attacker.PostLoginAsync(enrolled.Email, "Attacker-Chosen-9911!")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Empty(await factory.EventsAsync(enrolled.Id, EventTypes.PasswordChanged));
        await factory.InDbAsync(async db =>
            Assert.False(await db.Sessions.AnyAsync(s => s.UserId == enrolled.Id && s.RevokedAt != null), "no session of the owner was revoked"));

        // What the password earned is the second-factor challenge, not the password change.
        Assert.True(answer.Flag("requires2fa"));
        Assert.False(answer.Flag("passwordChangeRequired"));
    }

    [Fact]
    public async Task AUserWithTwoFactorAuthenticationGivesTheSecondFactorFirstAndOnlyThenReplacesTheExpiredPassword()
    {
        var client = factory.CreateClient();
        var enrolled = await factory.TotpUserAsync(client);
        factory.Time.Advance(TimeSpan.FromDays(91));

        var first = await (await client.PostLoginAsync(enrolled.Email)).ReadJsonAsync();
        Assert.True(first.Flag("requires2fa"));
        Assert.Contains("totp", first.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));

        // The second factor verified, the answer is the password change, still without tokens, nothing revoked yet.
        var verified = await (await client.PostSecondFactorAsync(first.GetProperty("challengeToken").GetString()!, await factory.TotpNowAsync(enrolled))).ReadJsonAsync();
        Assert.True(verified.Flag("passwordChangeRequired"));
        Assert.False(verified.TryGetProperty("accessToken", out _));
        Assert.False(verified.TryGetProperty("refreshToken", out _));
        var challengeToken = verified.GetProperty("challengeToken").GetString()!;
        Assert.NotEqual(first.GetProperty("challengeToken").GetString(), challengeToken);
        await factory.InDbAsync(async db => Assert.False(await db.Sessions.AnyAsync(s => s.UserId == enrolled.Id && s.RevokedAt != null)));
        Assert.Empty(await factory.EventsAsync(enrolled.Id, EventTypes.PasswordChanged));

        var signedIn = AuthFlows.ReadTokens(await (await ChangeExpiredAsync(client, challengeToken, NewPassword)).ReadJsonAsync());
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClientFor(signedIn).GetAsync("/api/v1/users/me")).StatusCode);
        await (await ChangeExpiredAsync(client, challengeToken, "Other-Renewal-7711!")).AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");

        await factory.InDbAsync(async db =>
        {
            var active = await db.Sessions.SingleAsync(s => s.UserId == enrolled.Id && s.RevokedAt == null && s.State == SessionState.Active);
            Assert.Equal("pwd otp mfa", active.Amr);
            Assert.True(await db.Sessions.AnyAsync(s => s.UserId == enrolled.Id && s.RevokedAt != null), "the older sessions ended with the change");
        });
        await (await client.PostLoginAsync(enrolled.Email)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.True((await (await client.PostLoginAsync(enrolled.Email, NewPassword)).ReadJsonAsync()).Flag("requires2fa"));
        Assert.Single(await factory.EventsAsync(enrolled.Id, EventTypes.PasswordChanged));
    }

    [Fact]
    public async Task APasswordChangeChallengeFromBeforeTwoFactorWasTurnedOnChangesNothing()
    {
        var client = factory.CreateClient();
        var (email, userId, challenge) = await ExpiredSignInAsync(client);
        Assert.True(challenge.Flag("passwordChangeRequired"));
        await factory.UpdateUserAsync(email, u => u.TwoFactorEnabled = true);

        await (await ChangeExpiredAsync(client, challenge.GetProperty("challengeToken").GetString()!, NewPassword))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        Assert.Empty(await factory.EventsAsync(userId, EventTypes.PasswordChanged));
    }

    [Fact]
    public async Task AReminderGoesOutOncePerPassword()
    {
        var client = factory.CreateClient();
        var (email, tokens) = await factory.SignedInUserAsync(client);
        var userId = tokens.User.GetProperty("id").GetGuid();
        var reminders = factory.Services.GetServices<IHostedService>().OfType<PasswordExpiryReminders>().Single();

        factory.Time.Advance(TimeSpan.FromDays(82));
        await reminders.RunOnceAsync(CancellationToken.None);
        Assert.Empty(await factory.EventsAsync(userId, EventTypes.PasswordExpiryReminderDue));

        factory.Time.Advance(TimeSpan.FromDays(2)); // six days before expiry: inside the seven-day window
        Assert.True(await reminders.RunOnceAsync(CancellationToken.None) >= 1);
        var mail = await factory.WaitForEmailAsync(email, "Your password expires in");
        Assert.Equal("Your password expires in 6 days", mail.Subject);
        Assert.StartsWith(WardenFactory.PublicBaseUrl + "/account/", mail.Link("/account/"), StringComparison.Ordinal);

        await reminders.RunOnceAsync(CancellationToken.None);
        factory.Time.Advance(TimeSpan.FromDays(3));
        await reminders.RunOnceAsync(CancellationToken.None);
        Assert.Single(await factory.EventsAsync(userId, EventTypes.PasswordExpiryReminderDue));

        // A new password earns a reminder of its own, once, when its time comes.
        var fresh = await client.LoginAsync(email);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClientFor(fresh).ChangeAsync(AuthFlows.Password, NewPassword)).StatusCode);
        var changedAt = factory.Time.GetUtcNow();
        await reminders.RunOnceAsync(CancellationToken.None);
        Assert.Single(await factory.EventsAsync(userId, EventTypes.PasswordExpiryReminderDue));
        factory.Time.Advance(TimeSpan.FromDays(85));
        await reminders.RunOnceAsync(CancellationToken.None);
        await reminders.RunOnceAsync(CancellationToken.None);
        // Delivered events older than the outbox retention (7 days) may be pruned by now; count the new ones.
        Assert.Single(await factory.EventsAsync(userId, EventTypes.PasswordExpiryReminderDue), m => m.OccurredAt >= changedAt);
        await factory.WaitForEmailAsync(email, "Your password expires in", number: 2);
        Assert.Equal(2, factory.CountEmails(email, "Your password expires in"));
    }
}
