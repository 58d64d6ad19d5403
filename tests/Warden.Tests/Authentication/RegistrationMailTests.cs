using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authentication;

/// <summary>
/// Registration mails an address its registrant may not own: the verification link, or the notice that someone
/// tried to sign up. Neither may become a way to flood a mailbox or to put the registrant's words in it.
/// </summary>
public sealed class RegistrationMailTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private const string VerifySubject = "Confirm your email address";
    private const string AttemptSubject = "Someone tried to sign up";
    private const string Phishing = "Your account is locked, sign in at https://warden-login.evil.example/restore now";

    [Fact]
    public async Task ThreeRegistrationsOfATakenAddressInASecondSendOneNoticeAndAnswerAlike()
    {
        var (owner, _) = await factory.SignedInUserAsync();
        var client = factory.CreateClient();

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add((await client.PostAsJsonAsync("/api/v1/auth/register", new { email = owner, password = AuthFlows.Password, fullName = $"Bomber {i}" })).StatusCode);
        }

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a));
        await factory.Mailbox.WaitForAsync(m => m.To == owner && m.Subject.StartsWith(AttemptSubject, StringComparison.Ordinal));
        await factory.EventuallyInDbAsync(db => db.OutboxMessages.AllAsync(m => m.ProcessedAt != null || m.Type != EventTypes.RegistrationAttempted), "the notices to be handled");
        Assert.Single(factory.Mailbox.To(owner), m => m.Subject.StartsWith(AttemptSubject, StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoticesAreCappedPerDayHoweverSlowlyTheyAreAskedFor()
    {
        var (owner, _) = await factory.SignedInUserAsync();
        var client = factory.CreateClient();
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.Created,
                (await client.PostAsJsonAsync("/api/v1/auth/register", new { email = owner, password = AuthFlows.Password, fullName = "Slow Bomber" })).StatusCode);
            factory.Time.Advance(TimeSpan.FromHours(1));
        }

        var ownerId = await factory.InDbAsync(db => db.Users.Where(u => u.Email == owner).Select(u => u.Id).SingleAsync());
        var notices = await factory.InDbAsync(db => db.OutboxMessages.CountAsync(m => m.Subject == ownerId && m.Type == EventTypes.RegistrationAttempted));
        Assert.Equal(3, notices);
    }

    [Fact]
    public async Task TheVerificationMailCarriesNoTextTheRegistrantChose()
    {
        var victim = AuthFlows.NewEmail("victim");
        Assert.Equal(HttpStatusCode.Created, (await factory.CreateClient().PostAsJsonAsync("/api/v1/auth/register",
            new { email = victim, password = AuthFlows.Password, fullName = Phishing.PadRight(200, '.') })).StatusCode);

        var mail = await factory.Mailbox.WaitForAsync(m => m.To == victim && m.Subject.StartsWith(VerifySubject, StringComparison.Ordinal));
        AssertNoRegistrantText(mail);
    }

    [Fact]
    public async Task TheNoticeToAnUnverifiedAddressCarriesNoTextItsRegistrantChose()
    {
        var victim = AuthFlows.NewEmail("squatted");
        var client = factory.CreateClient();
        var username = "evil-site" + Guid.NewGuid().ToString("N")[..6];
        await client.PostAsJsonAsync("/api/v1/auth/register", new { email = victim, password = AuthFlows.Password, username, fullName = Phishing.PadRight(200, '.') });
        await factory.EventuallyInDbAsync(db => db.Profiles.AnyAsync(p => p.FullName != null && p.FullName.StartsWith("Your account")), "the squatter's profile");

        await client.PostAsJsonAsync("/api/v1/auth/register", new { email = victim, password = AuthFlows.Password, fullName = "The Real Owner" });

        var notice = await factory.Mailbox.WaitForAsync(m => m.To == victim && m.Subject.StartsWith(AttemptSubject, StringComparison.Ordinal));
        AssertNoRegistrantText(notice);
    }

    private static void AssertNoRegistrantText(MailboxMessage mail)
    {
        foreach (var part in new[] { mail.Subject, mail.TextBody, mail.HtmlBody })
        {
            Assert.DoesNotContain("evil", part, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("locked", part, StringComparison.OrdinalIgnoreCase);
        }
    }
}
