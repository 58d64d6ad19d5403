using System.Net;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Tokens;
using Warden.Tests.Infrastructure;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Events;

namespace Warden.Tests.Profiles;

public sealed class EmailChangeTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task ConfirmedChangeMovesTheAccountToTheNewAddressAndEndsOtherSessions()
    {
        var user = await factory.SignedInWithProfileAsync();
        var otherSession = await factory.CreateClient().LoginAsync(user.Email);
        var newEmail = AuthFlows.NewEmail("moved");

        Assert.Equal(HttpStatusCode.Accepted, (await RequestAsync(user, newEmail)).StatusCode);
        var confirmation = await factory.Mailbox.WaitForAsync(newEmail);
        Assert.StartsWith(WardenFactory.PublicBaseUrl + "/account/confirm-email-change?token=", confirmation.Link("/account/confirm-email-change"), StringComparison.Ordinal);
        var notice = await factory.Mailbox.WaitForAsync(m => m.To == user.Email && m.Subject == "Your email address is being changed");
        Assert.DoesNotContain(newEmail, notice.TextBody, StringComparison.OrdinalIgnoreCase);

        // Nothing changes before the confirmation.
        await user.Client.LoginAsync(user.Email);

        var account = await (await ConfirmAsync(user, confirmation.Token())).ReadJsonAsync();
        Assert.Equal(newEmail, account.GetProperty("email").GetString());
        Assert.True(account.GetProperty("emailVerified").GetBoolean());

        await (await factory.CreateClient().PostLoginAsync(user.Email)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await factory.CreateClient().LoginAsync(newEmail);

        // The session that confirmed stays; the others (the one signed in earlier included) end.
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/v1/users/me")).StatusCode);
        await (await factory.CreateClientFor(otherSession).GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.True(await factory.InDbAsync(db => db.OutboxMessages.AnyAsync(m => m.Subject == user.Id && m.Type == EventTypes.EmailChanged)));

        // The old address hears that the change is done, without learning the new one.
        var done = await factory.Mailbox.WaitForAsync(m => m.To == user.Email && m.Subject == "Your email address was changed");
        Assert.DoesNotContain(newEmail, done.TextBody, StringComparison.OrdinalIgnoreCase);

        // Single use.
        await (await ConfirmAsync(user, confirmation.Token())).AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
    }

    [Fact]
    public async Task ATakenAddressGetsTheSameAnswerAndIsSentNothing()
    {
        var user = await factory.SignedInWithProfileAsync();
        var owner = await factory.SignedInWithProfileAsync();

        var response = await RequestAsync(user, owner.Email.ToUpperInvariant());
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(0, response.Content.Headers.ContentLength ?? 0);

        // The old address is told either way; once every handler has run, the taken address has had nothing.
        await factory.Mailbox.WaitForAsync(m => m.To == user.Email && m.Subject.Contains("being changed", StringComparison.Ordinal));
        await factory.EventuallyInDbAsync(db => db.OutboxMessages.AnyAsync(m =>
            m.Subject == user.Id && m.Type == EventTypes.EmailChangeRequested && m.ProcessedAt != null), "the email change to be handled");
        Assert.DoesNotContain(factory.Mailbox.To(owner.Email), m => m.Subject.Contains("new email", StringComparison.OrdinalIgnoreCase));
        Assert.False(await factory.InDbAsync(db => db.AccountTokens.AnyAsync(t => t.UserId == user.Id && t.Purpose == AccountTokenPurpose.EmailChange)));
    }

    [Fact]
    public async Task AnAddressTakenMeanwhileMakesTheConfirmationFailAndChangesNothing()
    {
        var user = await factory.SignedInWithProfileAsync();
        var target = AuthFlows.NewEmail("contested");
        await RequestAsync(user, target);
        var token = (await factory.Mailbox.WaitForAsync(target)).Token();

        // Someone registers the address before the change is confirmed.
        var squatter = await factory.CreateClient().RegisterAsync(target.ToUpperInvariant());

        await (await ConfirmAsync(user, token)).AssertProblemAsync(HttpStatusCode.Conflict, ProblemCodes.EmailTaken);
        Assert.Equal(user.Email, await factory.InDbAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => u.Email).SingleAsync()));
        Assert.Equal(target.ToUpperInvariant(), await factory.InDbAsync(db => db.Users.Where(u => u.Id == squatter).Select(u => u.Email).SingleAsync()));
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/v1/users/me")).StatusCode);
        Assert.False(await factory.InDbAsync(db => db.OutboxMessages.AnyAsync(m => m.Subject == user.Id && m.Type == EventTypes.EmailChanged)));
    }

    [Fact]
    public async Task TwoAccountsRacingForOneAddressLeaveItWithExactlyOne()
    {
        var first = await factory.SignedInWithProfileAsync();
        var second = await factory.SignedInWithProfileAsync();
        var target = AuthFlows.NewEmail("race");
        await RequestAsync(first, target);
        var firstToken = (await factory.Mailbox.WaitForAsync(target)).Token();
        await RequestAsync(second, target);
        var secondToken = (await factory.Mailbox.WaitForAsync(target, number: 2)).Token();

        var responses = await Task.WhenAll(ConfirmAsync(first, firstToken), ConfirmAsync(second, secondToken));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var normalized = target.ToUpperInvariant();
        Assert.Equal(1, await factory.InDbAsync(db => db.Users.CountAsync(u => u.NormalizedEmail == normalized)));
    }

    [Fact]
    public async Task AnotherUsersTokenChangesNothing()
    {
        var victim = await factory.SignedInWithProfileAsync();
        var attacker = await factory.SignedInWithProfileAsync();
        var target = AuthFlows.NewEmail("victim-new");
        await RequestAsync(victim, target);
        var token = (await factory.Mailbox.WaitForAsync(target)).Token();

        await (await ConfirmAsync(attacker, token)).AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        Assert.Equal(attacker.Email, await factory.InDbAsync(db => db.Users.Where(u => u.Id == attacker.Id).Select(u => u.Email).SingleAsync()));

        // The attempt did not burn the owner's token.
        var account = await (await ConfirmAsync(victim, token)).ReadJsonAsync();
        Assert.Equal(target, account.GetProperty("email").GetString());
    }

    [Fact]
    public async Task TheChangeNeedsTheRightPassword()
    {
        var user = await factory.SignedInWithProfileAsync();
        var target = AuthFlows.NewEmail("nopass");
        await (await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/email", new { newEmail = target, password = "Wrong-Pass-2024!" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, ProblemCodes.ReauthenticationFailed);
        await (await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/email", new { newEmail = target }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, ProblemCodes.ReauthenticationRequired);
        Assert.False(await factory.InDbAsync(db => db.OutboxMessages.AnyAsync(m => m.Subject == user.Id && m.Type == EventTypes.EmailChangeRequested)));

        // A stolen access token is no unlimited password oracle.
        for (var i = 0; i < 5; i++)
        {
            await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/email", new { newEmail = target, password = $"Wrong-Pass-{i}!" });
        }

        await (await RequestAsync(user, target)).AssertProblemAsync(HttpStatusCode.TooManyRequests, ProblemCodes.ReauthenticationLocked);

        // That lock is not a sign-in lock: the owner can still sign in.
        await factory.CreateClient().LoginAsync(user.Email);
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("Someone <someone@example.com>")]
    [InlineData("")]
    public async Task InvalidNewAddressesAreRefused(string newEmail)
    {
        var user = await factory.SignedInWithProfileAsync();
        await (await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/email", new { newEmail, password = AuthFlows.Password })).AssertValidationAsync("newEmail");
    }

    [Fact]
    public async Task TheCurrentAddressIsNoNewAddress()
    {
        var user = await factory.SignedInWithProfileAsync();
        await (await RequestAsync(user, user.Email.ToUpperInvariant())).AssertValidationAsync("newEmail");
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("'; DROP TABLE account_tokens; --")]
    public async Task UnknownTokensAreRefused(string token)
    {
        var user = await factory.SignedInWithProfileAsync();
        await (await ConfirmAsync(user, token)).AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
    }

    private static Task<HttpResponseMessage> RequestAsync(SignedInUser user, string newEmail) =>
        user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/email", new { newEmail, password = AuthFlows.Password });

    private static Task<HttpResponseMessage> ConfirmAsync(SignedInUser user, string token) =>
        user.Client.SendJsonAsync(HttpMethod.Post, "/api/v1/users/email/confirm", new { token });
}
