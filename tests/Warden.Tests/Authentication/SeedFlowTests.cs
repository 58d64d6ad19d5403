using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authentication;

/// <summary>The source documents' flows exactly as written, end to end, reading the real email.</summary>
public sealed class SeedFlowTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task RegisterVerifyLoginRefreshLogoutWalksTheWholeSeedFlow()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail("seed");

        // User Registration → user.registered → profile created and verification email sent.
        var id = await client.RegisterAsync(email);
        var verification = await factory.Mailbox.WaitForAsync(email);
        Assert.Contains("Confirm", verification.Subject, StringComparison.Ordinal);
        // Greeted by the address: the name is the registrant's word, and the mailbox may be someone else's.
        Assert.Contains("Hello " + email, verification.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("Test Person", verification.TextBody, StringComparison.Ordinal);
        var link = verification.Link("/account/verify-email");
        Assert.StartsWith(WardenFactory.PublicBaseUrl + "/account/verify-email?token=", link, StringComparison.Ordinal);
        var token = verification.Token();

        await factory.WaitForProfileAsync(id); // another handler of the same event: it may finish after the mail
        await factory.InDbAsync(async db =>
        {
            Assert.True(await db.Profiles.AnyAsync(p => p.UserId == id && p.FullName == "Test Person"));
            Assert.True(await db.OutboxMessages.AnyAsync(m => m.Type == EventTypes.ProfileCreated && m.Subject == id));
            Assert.False(await db.AccountTokens.AnyAsync(t => t.UserId == id && t.TokenHash.Length != 32), "tokens are stored as SHA-256 only");
        });

        // Unverified accounts cannot sign in, and the token is single-use.
        await (await client.PostLoginAsync(email)).AssertProblemAsync(HttpStatusCode.Forbidden, "email_not_verified");
        var verified = await (await client.PostAsJsonAsync("/api/v1/auth/verify-email", new { token, password = AuthFlows.Password })).ReadJsonAsync();
        Assert.Equal("active", verified.GetProperty("status").GetString());
        await (await client.PostAsJsonAsync("/api/v1/auth/verify-email", new { token, password = AuthFlows.Password })).AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        var welcome = await factory.Mailbox.WaitForAsync(email, number: 2);
        Assert.Contains("Welcome", welcome.Subject, StringComparison.OrdinalIgnoreCase);

        // User Login → tokens, Login Successful.
        var tokens = await client.LoginAsync(email);
        Assert.True(tokens.User.GetProperty("emailVerified").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClientFor(tokens).GetAsync("/api/v1/users/me")).StatusCode);

        // Refresh, then logout.
        var refreshed = AuthFlows.ReadTokens(await (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken })).ReadJsonAsync());
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/api/v1/auth/logout", new { refreshToken = refreshed.RefreshToken })).StatusCode);
        await (await factory.CreateClientFor(refreshed).GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);

        await factory.InDbAsync(async db =>
        {
            var types = await db.OutboxMessages.Where(m => m.Subject == id).Select(m => m.Type).ToListAsync();
            foreach (var expected in new[] { EventTypes.UserRegistered, EventTypes.ProfileCreated, EventTypes.UserEmailVerified, EventTypes.LoginSucceeded, EventTypes.SessionRevoked, EventTypes.UserLoggedOut })
            {
                Assert.Contains(expected, types);
            }
        });
    }

    [Fact]
    public async Task TheOwnerOfATakenAddressIsToldByEmail()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail("owner");
        await client.RegisterAsync(email);
        await factory.Mailbox.WaitForAsync(email);

        await client.RegisterAsync(email, "Another-Pass-2024!");
        var notice = await factory.Mailbox.WaitForAsync(m => m.To.Equals(email, StringComparison.OrdinalIgnoreCase) && m.Subject.Contains("sign up", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(WardenFactory.PublicBaseUrl + "/account/forgot-password", notice.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResendSendsANewLinkAndTheOldOneStopsWorking()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail("resend");
        await client.RegisterAsync(email);
        var first = (await factory.Mailbox.WaitForAsync(email)).Token();

        factory.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/v1/auth/resend-verification", new { email })).StatusCode);
        var second = (await factory.Mailbox.WaitForAsync(email, number: 2)).Token();
        Assert.NotEqual(first, second);

        await (await client.PostAsJsonAsync("/api/v1/auth/verify-email", new { token = first, password = AuthFlows.Password })).AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/verify-email", new { token = second, password = AuthFlows.Password })).StatusCode);
    }

    [Fact]
    public async Task ResendAnswersTheSameForAnyAddress()
    {
        var client = factory.CreateClient();
        var unknown = await client.PostAsJsonAsync("/api/v1/auth/resend-verification", new { email = AuthFlows.NewEmail("nobody") });
        var email = AuthFlows.NewEmail("known");
        await client.RegisterAsync(email);
        var known = await client.PostAsJsonAsync("/api/v1/auth/resend-verification", new { email });
        Assert.Equal(HttpStatusCode.Accepted, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        Assert.Equal(await unknown.Content.ReadAsStringAsync(), await known.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task VerificationTokensExpireAfterTwentyFourHours()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail("late");
        await client.RegisterAsync(email);
        var token = (await factory.Mailbox.WaitForAsync(email)).Token();
        factory.Time.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        try
        {
            await (await client.PostAsJsonAsync("/api/v1/auth/verify-email", new { token, password = AuthFlows.Password })).AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        }
        finally
        {
            factory.Time.Advance(-(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1)));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("../../etc/passwd")]
    public async Task VerifyRefusesMalformedAndForgedTokens(string token)
    {
        var response = await factory.CreateClient().PostAsJsonAsync("/api/v1/auth/verify-email", new { token, password = AuthFlows.Password });
        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }
}
