using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Privacy;
using Warden.Server.Users;
using Warden.Tests.Infrastructure;
using Warden.Tests.Passwords;

namespace Warden.Tests.Authentication;

/// <summary>
/// Nobody can hold an address they cannot read: not through a look-alike that folds onto it, not by registering
/// it first (the account expires, and the mailbox's owner takes it over through the reset email), and not by
/// getting its owner to click a verification link they did not ask for.
/// </summary>
public sealed class AddressSquattingTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private const string OwnersPassword = "Owners-Own-Pass-4821!";

    [Fact]
    public async Task ALookAlikeThatFoldsOntoAnAddressIsRefusedAndTheOwnerRegistersFreely()
    {
        var local = "sue" + Guid.NewGuid().ToString("N")[..8];
        var client = factory.CreateClient();

        // U+017F LATIN SMALL LETTER LONG S upper-cases to 'S': this would be stored as SUE...@EXAMPLE.COM.
        var squat = await client.PostAsJsonAsync("/api/v1/auth/register",
            new { email = "ſ" + local[1..] + "@example.com", password = AuthFlows.Password, fullName = "Squatter" });
        var problem = await squat.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("email", out _));

        var owner = local + "@example.com";
        await client.RegisterAsync(owner);
        var verification = await factory.Mailbox.WaitForAsync(m => m.To == owner && m.Subject.StartsWith("Confirm", StringComparison.Ordinal));
        Assert.NotNull(verification);
    }

    [Fact]
    public async Task AVerificationLinkAloneActivatesNothing()
    {
        var victim = AuthFlows.NewEmail("clicker");
        await factory.CreateClient().RegisterAsync(victim, password: AuthFlows.Password); // the attacker's password
        var token = (await factory.Mailbox.WaitForAsync(m => m.To == victim && m.Subject.StartsWith("Confirm", StringComparison.Ordinal))).Token();

        // The victim clicks the link they did not ask for: without the password chosen at registration, nothing happens.
        var client = factory.CreateClient();
        await (await client.PostAsJsonAsync("/api/v1/auth/verify-email", new { token })).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await client.PostAsJsonAsync("/api/v1/auth/verify-email", new { token, password = "Guessed-Wrong-2024!" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        Assert.Equal(UserStatus.PendingVerification, (await factory.LoadUserAsync(victim)).Status);

        // The registrant, with the password, verifies; the answer signs nobody in.
        var verified = await (await client.PostAsJsonAsync("/api/v1/auth/verify-email", new { token, password = AuthFlows.Password })).ReadJsonAsync();
        Assert.Equal("active", verified.GetProperty("status").GetString());
        Assert.False(verified.TryGetProperty("accessToken", out _));
    }

    [Fact]
    public async Task TheMailboxOwnerTakesOverAnUnverifiedAccountThroughTheResetEmail()
    {
        var victim = AuthFlows.NewEmail("taken-over");
        var username = "squat" + Guid.NewGuid().ToString("N")[..8];
        var squatter = factory.CreateClient();
        await squatter.RegisterAsync(victim, username: username);
        var verificationToken = (await factory.Mailbox.WaitForAsync(m => m.To == victim && m.Subject.StartsWith("Confirm", StringComparison.Ordinal))).Token();
        var userId = (await factory.LoadUserAsync(victim)).Id;
        await factory.WaitForProfileAsync(userId);

        var resetToken = await factory.RequestResetTokenAsync(factory.CreateClient(), victim);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().ResetAsync(resetToken, OwnersPassword)).StatusCode);

        // The owner's password, the address verified, and nothing of what the registrant set up.
        var user = await factory.LoadUserAsync(victim);
        Assert.Equal(UserStatus.Active, user.Status);
        Assert.True(user.EmailConfirmed);
        Assert.Null(user.UserName);
        await factory.EventuallyInDbAsync(db => db.Profiles.AnyAsync(p => p.UserId == userId && p.FullName == null && p.FirstName == null),
            "the registrant's profile data to be cleared");
        Assert.False(await factory.InDbAsync(db => db.AccountTokens.AnyAsync(t => t.UserId == userId && t.ConsumedAt == null)));
        await (await squatter.PostAsJsonAsync("/api/v1/auth/verify-email", new { token = verificationToken, password = AuthFlows.Password }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        await (await squatter.PostLoginAsync(victim)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await factory.CreateClient().LoginAsync(victim, OwnersPassword);
    }

    [Fact]
    public async Task AnUnverifiedAccountExpiresAndFreesItsAddress()
    {
        var victim = AuthFlows.NewEmail("expiring");
        var client = factory.CreateClient();
        var squatterId = await client.RegisterAsync(victim);
        var verified = AuthFlows.NewEmail("kept");
        await client.RegisterAsync(verified);
        await factory.ActivateAsync(verified);

        factory.Time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        await factory.Services.GetServices<IHostedService>().OfType<UnverifiedAccountExpiry>().Single().RunOnceAsync(CancellationToken.None);

        Assert.False(await factory.InDbAsync(db => db.Users.AnyAsync(u => u.Email == victim)));
        Assert.True(await factory.InDbAsync(db => db.Users.AnyAsync(u => u.Email == verified)));
        var ownerId = await client.RegisterAsync(victim);
        Assert.NotEqual(squatterId, ownerId);
        Assert.Equal(UserStatus.PendingVerification, (await factory.LoadUserAsync(victim)).Status);
    }
}
