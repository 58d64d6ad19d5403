using System.Net;
using System.Net.Http.Json;
using Warden.Tests.Infrastructure;
using Warden.Tests.Passwords;
using Warden.Tests.Profiles;

namespace Warden.Tests.Notifications;

/// <summary>
/// Every change to how an account proves it is its owner's — a second factor added, replaced or removed, new recovery
/// codes, the phone number — is mailed to the owner, even one who turned account notices off: a stolen session that
/// enrols its own authenticator must not go unnoticed.
/// </summary>
public sealed class SecurityNoticeTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private const string FactorSubject = "The second factors of your account changed";
    private const string PhoneSubject = "The phone number of your account changed";

    [Fact]
    public async Task EveryChangeToTheSecondFactorsIsMailedToTheOwner()
    {
        var user = await factory.SignedInWithProfileAsync();
        await NotificationPreferenceTests.TurnAccountNoticesOffAsync(user);

        var secret = await EnrolAuthenticatorAsync(user, new { password = AuthFlows.Password });
        Assert.Contains("- Added: authenticator app.", (await NoticeAsync(user, 1)).TextBody, StringComparison.Ordinal);

        factory.Time.Advance(TimeSpan.FromSeconds(30));
        var code = await Oathtool.TotpAsync(secret, factory.Time.GetUtcNow());
        await EnrolAuthenticatorAsync(user, new { password = AuthFlows.Password, code });
        Assert.Contains("- Replaced: authenticator app", (await NoticeAsync(user, 2)).TextBody, StringComparison.Ordinal);

        factory.Time.Advance(TimeSpan.FromSeconds(30));
        var admin = await factory.AdminClientAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.DeleteAsync($"/api/v1/admin/users/{user.Id}/2fa")).StatusCode);
        var removed = await NoticeAsync(user, 3);
        Assert.Contains("- Removed: authenticator app.", removed.TextBody, StringComparison.Ordinal);
        Assert.Contains("by an administrator", removed.TextBody, StringComparison.Ordinal);
        Assert.Contains("Removed: authenticator app.", removed.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewRecoveryCodesAreMailedToTheOwner()
    {
        var user = await factory.SignedInWithProfileAsync();
        var secret = await EnrolAuthenticatorAsync(user, new { password = AuthFlows.Password });
        factory.Time.Advance(TimeSpan.FromSeconds(30));
        var code = await Oathtool.TotpAsync(secret, factory.Time.GetUtcNow());

        await (await user.Client.PostAsJsonAsync("/api/v1/users/2fa/recovery-codes", new { password = AuthFlows.Password, code })).ReadJsonAsync();

        Assert.Contains("New recovery codes", (await NoticeAsync(user, 2)).TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SettingAndRemovingThePhoneNumberAreMailedToTheOwner()
    {
        var user = await factory.SignedInWithProfileAsync();
        await NotificationPreferenceTests.TurnAccountNoticesOffAsync(user);
        var number = $"+49160{Random.Shared.Next(1_000_000, 9_999_999)}";

        await (await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/phone", new { phoneNumber = number, password = AuthFlows.Password })).ReadJsonAsync();
        var set = await factory.WaitForEmailAsync(user.Email, PhoneSubject);
        Assert.Contains("was set to a new number", set.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(number[1..], set.TextBody, StringComparison.Ordinal);

        // The same number again (to get a new code) changes nothing and is not news.
        await (await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/phone", new { phoneNumber = number, password = AuthFlows.Password })).ReadJsonAsync();
        await (await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/phone", new { phoneNumber = (string?)null, password = AuthFlows.Password })).ReadJsonAsync();
        var removed = await factory.WaitForEmailAsync(user.Email, PhoneSubject, number: 2);
        Assert.Contains("was removed", removed.TextBody, StringComparison.Ordinal);
        await factory.WaitForEventsHandledAsync();
        Assert.Equal(2, factory.CountEmails(user.Email, PhoneSubject));
    }

    [Fact]
    public async Task ChoosingThePreferredMethodIsNoChangeOfFactors()
    {
        var user = await factory.SignedInWithProfileAsync();
        await EnrolAuthenticatorAsync(user, new { password = AuthFlows.Password });
        await NoticeAsync(user, 1);

        await (await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/2fa/methods", new { preferred = "totp" })).ReadJsonAsync();

        await factory.WaitForEventsHandledAsync();
        Assert.Equal(1, factory.CountEmails(user.Email, FactorSubject));
    }

    /// <summary>Sets up and confirms an authenticator (the setup body carries the re-authentication); returns its secret.</summary>
    private async Task<string> EnrolAuthenticatorAsync(SignedInUser user, object setupBody)
    {
        var setup = await (await user.Client.PostAsJsonAsync("/api/v1/users/2fa/totp/setup", setupBody)).ReadJsonAsync();
        var secret = setup.GetProperty("secret").GetString()!;
        var code = await Oathtool.TotpAsync(secret, factory.Time.GetUtcNow());
        await (await user.Client.PostAsJsonAsync("/api/v1/users/2fa/totp/confirm", new { code })).ReadJsonAsync();
        return secret;
    }

    private Task<MailboxMessage> NoticeAsync(SignedInUser user, int number) =>
        factory.WaitForEmailAsync(user.Email, FactorSubject, number);
}
