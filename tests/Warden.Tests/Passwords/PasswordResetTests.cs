using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Passwords;

/// <summary>The source documents' "Password Reset" use case end to end, and the invitation's set-password link.</summary>
public sealed class PasswordResetTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private const string NewPassword = "Fresh-Chosen-7319?";

    [Fact]
    public async Task ResetFlowWorksFromTheEmailAndEndsEverySessionAtOnce()
    {
        var client = factory.CreateClient();
        var (email, first) = await factory.SignedInUserAsync(client);
        var second = await client.LoginAsync(email);
        var userId = first.User.GetProperty("id").GetGuid();

        var forgot = await client.ForgotAsync(email);
        Assert.Equal(HttpStatusCode.Accepted, forgot.StatusCode);

        var mail = await factory.WaitForEmailAsync(email, PasswordFlows.ResetSubject);
        Assert.StartsWith(WardenFactory.PublicBaseUrl + "/account/reset-password?token=", mail.Link("/account/reset-password"), StringComparison.Ordinal);
        Assert.Contains("60 minutes", mail.TextBody, StringComparison.Ordinal);
        var token = mail.Token();
        Assert.Contains(token, mail.TextBody, StringComparison.Ordinal); // the code to type, as well as the link

        var reset = await (await client.ResetAsync(token, NewPassword)).ReadJsonAsync();
        Assert.Equal("active", reset.GetProperty("status").GetString());
        Assert.False(reset.TryGetProperty("accessToken", out _), "a reset never signs anyone in");

        // Both sessions are dead on the very next request, and their refresh tokens with them.
        await (await factory.CreateClientFor(first).GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
        await (await factory.CreateClientFor(second).GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
        Assert.NotEqual(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = second.RefreshToken })).StatusCode);

        await (await client.PostLoginAsync(email)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var signedIn = await client.LoginAsync(email, NewPassword);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClientFor(signedIn).GetAsync("/api/v1/users/me")).StatusCode);

        var confirmation = await factory.WaitForEmailAsync(email, PasswordFlows.ChangedSubject);
        Assert.Contains("was just changed", confirmation.TextBody, StringComparison.Ordinal);

        // Stored as a SHA-256 hash only, spent; no event holds the secret.
        await factory.InDbAsync(async db =>
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
            var stored = await db.AccountTokens.SingleAsync(t => t.TokenHash == hash);
            Assert.Equal(AccountTokenPurpose.PasswordReset, stored.Purpose);
            Assert.NotNull(stored.ConsumedAt);
            Assert.Equal(stored.CreatedAt.AddHours(1), stored.ExpiresAt);
            var events = await db.OutboxMessages.Where(m => m.Subject == userId).ToListAsync();
            Assert.Contains(events, m => m.Type == EventTypes.PasswordResetRequested);
            var changed = Assert.Single(events, m => m.Type == EventTypes.PasswordChanged);
            Assert.Equal("reset", JsonDocument.Parse(changed.Data).RootElement.GetProperty("method").GetString());
            Assert.Equal(2, JsonDocument.Parse(changed.Data).RootElement.GetProperty("revokedSessions").GetInt32());
            Assert.DoesNotContain(events, m => m.Data.Contains(token, StringComparison.Ordinal));
            Assert.All(await db.Sessions.Where(s => s.UserId == userId && s.RevokedReason != null).ToListAsync(),
                s => Assert.Equal("password_reset", s.RevokedReason));
        });
    }

    [Fact]
    public async Task ResetTokenWorksOnlyOnce()
    {
        var client = factory.CreateClient();
        var (email, _) = await factory.SignedInUserAsync(client);
        var token = await factory.RequestResetTokenAsync(client, email);

        Assert.Equal(HttpStatusCode.OK, (await client.ResetAsync(token, NewPassword)).StatusCode);
        await (await client.ResetAsync(token, "Another-Choice-5821!")).AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        Assert.Equal(HttpStatusCode.OK, (await client.PostLoginAsync(email, NewPassword)).StatusCode);
    }

    [Fact]
    public async Task TwoConcurrentResetsWithOneTokenCannotBothSucceed()
    {
        var client = factory.CreateClient();
        var (email, _) = await factory.SignedInUserAsync(client);
        var token = await factory.RequestResetTokenAsync(client, email);

        var answers = await Task.WhenAll(
            client.ResetAsync(token, "Racer-One-Pass-4410!"),
            client.ResetAsync(token, "Racer-Two-Pass-4410!"),
            client.ResetAsync(token, "Racer-Six-Pass-4410!"));
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK), a => Assert.Equal(HttpStatusCode.BadRequest, a.StatusCode));
    }

    [Fact]
    public async Task ResetTokenExpiresAfterOneHour()
    {
        var client = factory.CreateClient();
        var (email, _) = await factory.SignedInUserAsync(client);
        var token = await factory.RequestResetTokenAsync(client, email);

        factory.Time.Advance(TimeSpan.FromMinutes(61));
        try
        {
            await (await client.ResetAsync(token, NewPassword)).AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        }
        finally
        {
            factory.Time.Advance(-TimeSpan.FromMinutes(61));
        }
    }

    [Fact]
    public async Task TamperedTokensAreRefusedAndDoNotBurnTheRealOne()
    {
        var client = factory.CreateClient();
        var (email, _) = await factory.SignedInUserAsync(client);
        var token = await factory.RequestResetTokenAsync(client, email);

        var flipped = (token[0] == 'A' ? 'B' : 'A') + token[1..];
        foreach (var forged in new[] { flipped, token[..^1], token + "A", token.ToUpperInvariant(), "../../" + token, new string('A', 43) })
        {
            await (await client.ResetAsync(forged, NewPassword)).AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        }

        Assert.Equal(HttpStatusCode.OK, (await client.ResetAsync(token, NewPassword)).StatusCode);
    }

    [Fact]
    public async Task TokensOfOtherPurposesCannotResetAPassword()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail();
        await client.RegisterAsync(email);
        var verificationToken = (await factory.WaitForEmailAsync(email, "Confirm")).Token();

        await (await client.ResetAsync(verificationToken, NewPassword)).AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/verify-email", new { token = verificationToken, password = AuthFlows.Password })).StatusCode);
    }

    [Fact]
    public async Task ASecondRequestSupersedesTheFirstLink()
    {
        var client = factory.CreateClient();
        var (email, _) = await factory.SignedInUserAsync(client);
        var first = await factory.RequestResetTokenAsync(client, email);

        factory.Time.Advance(TimeSpan.FromSeconds(61)); // past the one-email-a-minute throttle
        var second = await factory.RequestResetTokenAsync(client, email, number: 2);

        Assert.NotEqual(first, second);
        await (await client.ResetAsync(first, NewPassword)).AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        Assert.Equal(HttpStatusCode.OK, (await client.ResetAsync(second, NewPassword)).StatusCode);
    }

    [Fact]
    public async Task RepeatedRequestsWithinAMinuteAreSilentlyThrottled()
    {
        var client = factory.CreateClient();
        var (email, tokens) = await factory.SignedInUserAsync(client);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await client.ForgotAsync(email)).StatusCode);
        }

        var userId = tokens.User.GetProperty("id").GetGuid();
        Assert.Single(await factory.EventsAsync(userId, EventTypes.PasswordResetRequested));

        factory.Time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(HttpStatusCode.Accepted, (await client.ForgotAsync(email.ToUpperInvariant())).StatusCode);
        Assert.Equal(2, (await factory.EventsAsync(userId, EventTypes.PasswordResetRequested)).Count);
    }

    [Fact]
    public async Task UnknownAddressesGetExactlyTheSameAnswer()
    {
        var client = factory.CreateClient();
        var (email, _) = await factory.SignedInUserAsync(client);
        var unknown = AuthFlows.NewEmail("nobody");

        var known = await client.ForgotAsync(email);
        var stranger = await client.ForgotAsync(unknown);

        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        Assert.Equal(known.StatusCode, stranger.StatusCode);
        Assert.Equal(await known.Content.ReadAsStringAsync(), await stranger.Content.ReadAsStringAsync());
        Assert.Equal(known.Content.Headers.ContentType?.ToString(), stranger.Content.Headers.ContentType?.ToString());
        Assert.Equal(known.Content.Headers.ContentLength, stranger.Content.Headers.ContentLength);
        Assert.Equal(known.Headers.Select(h => h.Key).Order(), stranger.Headers.Select(h => h.Key).Order());

        // The unknown address is throttled like a real one, but not stored anywhere.
        await factory.InDbAsync(async db =>
        {
            var identifiers = await db.LoginAttempts.Select(a => a.Identifier).ToListAsync();
            Assert.DoesNotContain(identifiers, i => i.Contains(unknown, StringComparison.OrdinalIgnoreCase));
            Assert.False(await db.OutboxMessages.AnyAsync(m => m.Data.Contains(unknown)));
        });
    }

    [Fact]
    public async Task MalformedAddressesAreAValidationProblem()
    {
        var client = factory.CreateClient();
        await (await client.ForgotAsync("not-an-address")).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await client.PostAsJsonAsync("/api/v1/auth/reset-password", new { })).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task SuspendedAccountsGetNoResetEmail()
    {
        var client = factory.CreateClient();
        var (email, tokens) = await factory.SignedInUserAsync(client);
        await factory.UpdateUserAsync(email, u => u.Status = UserStatus.Suspended);

        Assert.Equal(HttpStatusCode.Accepted, (await client.ForgotAsync(email)).StatusCode);
        Assert.Empty(await factory.EventsAsync(tokens.User.GetProperty("id").GetGuid(), EventTypes.PasswordResetRequested));
    }

    [Fact]
    public async Task ResettingAPendingAccountVerifiesItsEmail()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail();
        var userId = await client.RegisterAsync(email);
        await (await client.PostLoginAsync(email)).AssertProblemAsync(HttpStatusCode.Forbidden, "email_not_verified");

        var token = await factory.RequestResetTokenAsync(client, email);
        var reset = await (await client.ResetAsync(token, NewPassword)).ReadJsonAsync();
        Assert.Equal("active", reset.GetProperty("status").GetString());
        Assert.True(reset.GetProperty("emailVerified").GetBoolean());

        var signedIn = await client.LoginAsync(email, NewPassword);
        Assert.True(signedIn.User.GetProperty("emailVerified").GetBoolean());
        Assert.Single(await factory.EventsAsync(userId, EventTypes.UserEmailVerified));
    }

    [Fact]
    public async Task PolicyFailuresListEveryRuleAndKeepTheLinkUsable()
    {
        var client = factory.CreateClient();
        var (email, _) = await factory.SignedInUserAsync(client);
        var token = await factory.RequestResetTokenAsync(client, email);

        var problem = await (await client.ResetAsync(token, "abc")).AssertProblemAsync(HttpStatusCode.BadRequest, "password_policy");
        var rules = problem.GetProperty("failedRules").EnumerateArray().Select(r => r.GetString()).ToList();
        Assert.Equal(["password_too_short", "password_requires_uppercase", "password_requires_digit", "password_requires_special"], rules);
        Assert.Equal(4, problem.GetProperty("errors").GetProperty("newPassword").GetArrayLength());

        var tooLong = "Aa1!" + new string('x', 125);
        Assert.Equal(129, tooLong.Length);
        var longProblem = await (await client.ResetAsync(token, tooLong)).AssertProblemAsync(HttpStatusCode.BadRequest, "password_policy");
        Assert.Equal(["password_too_long"], longProblem.GetProperty("failedRules").EnumerateArray().Select(r => r.GetString()));

        var common = await (await client.ResetAsync(token, "Password123!")).AssertProblemAsync(HttpStatusCode.BadRequest, "password_policy");
        Assert.Contains("password_common", common.GetProperty("failedRules").EnumerateArray().Select(r => r.GetString()));

        var reused = await (await client.ResetAsync(token, AuthFlows.Password)).AssertProblemAsync(HttpStatusCode.BadRequest, "password_policy");
        Assert.Equal(["password_reused"], reused.GetProperty("failedRules").EnumerateArray().Select(r => r.GetString()));

        // None of the refusals spent the link, and none changed the password.
        Assert.Equal(HttpStatusCode.OK, (await client.PostLoginAsync(email)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.ResetAsync(token, "Aa1!" + new string('x', 124))).StatusCode);
    }

    [Fact]
    public async Task AResetNeverBypassesTwoFactorAuthentication()
    {
        var client = factory.CreateClient();
        var (email, _) = await factory.SignedInUserAsync(client);
        await factory.UpdateUserAsync(email, u => u.TwoFactorEnabled = true);

        var token = await factory.RequestResetTokenAsync(client, email);
        var reset = await (await client.ResetAsync(token, NewPassword)).ReadJsonAsync();
        Assert.False(reset.TryGetProperty("accessToken", out _));

        var login = await (await client.PostLoginAsync(email, NewPassword)).ReadJsonAsync();
        Assert.True(login.GetProperty("requires2fa").GetBoolean());
        Assert.False(login.TryGetProperty("accessToken", out _));
    }

    [Fact]
    public async Task AnInvitationTokenSetsThePasswordAndActivatesTheAccount()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail("invited");
        var (userId, invitation) = await factory.InScopeAsync(async services =>
        {
            // What the administration module does when an admin invites someone: an account with no password.
            var db = services.GetRequiredService<WardenDbContext>();
            var user = new User
            {
                Email = email,
                NormalizedEmail = email.ToUpperInvariant(),
                Status = UserStatus.PendingVerification,
                CreatedAt = factory.Time.GetUtcNow(),
                UpdatedAt = factory.Time.GetUtcNow(),
            };
            db.Users.Add(user);
            await db.SaveChangesAsync();
            var invitation = await services.GetRequiredService<AccountTokens>().IssueAsync(user.Id, AccountTokenPurpose.Invitation, TimeSpan.FromDays(7));
            await db.SaveChangesAsync();
            return (user.Id, invitation);
        });

        await (await client.PostLoginAsync(email, NewPassword)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");

        var set = await (await client.ResetAsync(invitation, NewPassword)).ReadJsonAsync();
        Assert.Equal("active", set.GetProperty("status").GetString());
        await (await client.ResetAsync(invitation, "Second-Attempt-5521!")).AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");

        var signedIn = await client.LoginAsync(email, NewPassword);
        Assert.True(signedIn.User.GetProperty("emailVerified").GetBoolean());

        var user2 = await factory.LoadUserAsync(email);
        Assert.Equal(UserStatus.Active, user2.Status);
        Assert.Equal(factory.Time.GetUtcNow(), user2.PasswordChangedAt);
        var changed = Assert.Single(await factory.EventsAsync(userId, EventTypes.PasswordChanged));
        Assert.Equal("invitation", JsonDocument.Parse(changed.Data).RootElement.GetProperty("method").GetString());
    }
}
