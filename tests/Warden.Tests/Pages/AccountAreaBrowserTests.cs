using Microsoft.Playwright;
using Warden.Server.Authentication.TwoFactor;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Warden.Tests.Pages;

/// <summary>
/// The signed-in area in Chromium, as journeys: one person secures an account from one browser while a second browser
/// of theirs is signed out by it; and the sign-in steps the first journeys did not walk (SMS codes, an expired password).
/// Every page is checked like the others (<see cref="AccountPagesBrowserTests"/>): axe-core, 360 px, screenshots.
/// </summary>
[SqliteOnly]
[Collection(BrowserCollection.Name)]
public sealed class AccountAreaBrowserTests(Chromium chromium, ITestOutputHelper output)
{
    private const string NewPassword = "Fresh-Chosen-7319?";

    [Fact]
    public async Task APersonEnrolsAnAuthenticatorEndsAnotherBrowsersSessionChangesPasswordAndEmailAndDeletesTheAccount()
    {
        await using var warden = new KestrelWardenFactory();
        var address = warden.Start();
        await using var browser = await chromium.NewSessionAsync(address);
        await using var laptop = await chromium.NewSessionAsync(address);
        var page = browser.Page;
        var (email, _) = await warden.SignedInUserAsync(warden.CreateClient());
        await SignInAsync(page, email, AuthFlows.Password);
        await SignInAsync(laptop.Page, email, AuthFlows.Password);

        // The authenticator: re-authentication first, then the QR code and the secret as text, confirmed with a code.
        await page.GetByRole(AriaRole.Link, new() { Name = "Security", Exact = true }).ClickAsync();
        await page.WaitForAddressAsync("**/account/security");
        await CheckAsync(browser, "security");
        await page.ClickAsync("text=Set up an authenticator app");
        await page.WaitForAddressAsync("**/account/reauthenticate?returnUrl=%2Faccount%2Fsecurity");
        await CheckAsync(browser, "reauthenticate");
        await page.FillAsync("#password", AuthFlows.Password);
        await page.ClickAsync("button.primary");
        await page.WaitForAddressAsync("**/account/security");
        await page.ClickAsync("text=Set up an authenticator app");
        Assert.Equal("Set up your authenticator app", await page.InnerTextAsync("h1"));
        Assert.Equal(1, await page.Locator(".qr svg").CountAsync());
        await CheckAsync(browser, "totp-setup");
        var secret = (await page.InnerTextAsync("#totp-secret")).Trim();
        await page.FillAsync("#code", await Oathtool.TotpAsync(secret, warden.Time.GetUtcNow()));
        await page.ClickAsync("button.primary");
        Assert.Equal("Your recovery codes", await page.InnerTextAsync("h1"));
        await CheckAsync(browser, "recovery-codes");
        var codes = await page.Locator("#recovery-codes code").AllInnerTextsAsync();
        Assert.Equal(10, codes.Count);
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("text=Download as a text file"));
        Assert.Equal("recovery-codes.txt", download.SuggestedFilename);
        var file = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.All(codes, code => Assert.Contains(code, file, StringComparison.Ordinal));
        await page.ClickAsync("text=I have saved them");
        Assert.Contains("10 unused recovery codes left.", await page.InnerTextAsync("main"), StringComparison.Ordinal);

        await page.GotoAsync("account/phone");
        await CheckAsync(browser, "phone");

        // Sessions: this browser marked; ending the other one signs the laptop out at its next click.
        await page.GotoAsync("account/sessions");
        Assert.Equal(1, await page.Locator("li.session.current").CountAsync());
        await CheckAsync(browser, "sessions");
        await page.Locator("li.session:not(.current)", new() { HasText = "Browser" }).Locator("button").ClickAsync();
        Assert.Contains("That session is signed out.", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await laptop.Page.GotoAsync("account");
        await laptop.Page.WaitForAddressAsync("**/account/login?returnUrl=%2Faccount");

        // The laptop signs in again (now with a code); a password change then signs it out once more.
        warden.Time.Advance(TimeSpan.FromSeconds(30));
        await SignInAsync(laptop.Page, email, AuthFlows.Password, expectAccount: false);
        await laptop.Page.FillAsync("#code", await Oathtool.TotpAsync(secret, warden.Time.GetUtcNow()));
        await laptop.Page.ClickAsync("button.primary");
        await laptop.Page.WaitForAddressAsync("**/account");
        await page.GotoAsync("account/password");
        await CheckAsync(browser, "password");
        await page.FillAsync("#newPassword", NewPassword);
        await page.ClickAsync("button.primary");
        await page.WaitForAddressAsync("**/account/security?done=password");
        await laptop.Page.GotoAsync("account");
        await laptop.Page.WaitForAddressAsync("**/account/login?returnUrl=%2Faccount");

        // A new email address, confirmed from the link by its button.
        var newEmail = AuthFlows.NewEmail("moved");
        await page.GotoAsync("account/email");
        await CheckAsync(browser, "email");
        await page.FillAsync("#newEmail", newEmail);
        await page.ClickAsync("button.primary");
        Assert.Equal("Check your new inbox", await page.InnerTextAsync("h1"));
        await page.GotoAsync((await warden.Mailbox.WaitForAsync(newEmail)).Link("/account/confirm-email-change"));
        await CheckAsync(browser, "confirm-email-change");
        await page.ClickAsync("button.primary");
        Assert.Equal("Your email address is changed", await page.InnerTextAsync("h1"));

        // Deleting: after the window of the re-authentication has passed, it is asked again (with a code now).
        warden.Time.Advance(TimeSpan.FromMinutes(6));
        await page.GotoAsync("account/delete");
        await page.WaitForAddressAsync("**/account/reauthenticate?returnUrl=%2Faccount%2Fdelete");
        await page.FillAsync("#password", NewPassword);
        await page.FillAsync("#code", codes[0]);
        await page.ClickAsync("button.primary");
        await page.WaitForAddressAsync("**/account/delete");
        await CheckAsync(browser, "delete");
        await page.FillAsync("#confirmation", newEmail);
        await page.ClickAsync("button.primary");
        Assert.Equal("Your account is deleted", await page.InnerTextAsync("h1"));
        await page.GotoAsync("account");
        await page.WaitForAddressAsync("**/account/login?returnUrl=%2Faccount");
    }

    [Fact]
    public async Task APersonSignsInWithATextedCodeSentAgainReplacesTheirExpiredPasswordThenEditsTheirProfileAndNotifications()
    {
        await using var warden = new KestrelWardenFactory();
        await using var browser = await chromium.NewSessionAsync(warden.Start());
        var page = browser.Page;
        var (email, phone, _) = await warden.SmsUserAsync(warden.CreateClient());
        warden.Time.Advance(TimeSpan.FromDays(91)); // past Warden:Passwords:MaxAge (90 days)

        await SignInAsync(page, email, AuthFlows.Password, expectAccount: false);
        Assert.Equal("Confirm it is you", await page.InnerTextAsync("h1"));
        await warden.Sms.WaitForAsync(phone);
        warden.Time.Advance(LoginSecondFactor.ResendInterval + TimeSpan.FromSeconds(1));
        await page.ClickAsync("text=Send a code by text message");
        Assert.Contains("sent", await page.InnerTextAsync("[role=status]"), StringComparison.OrdinalIgnoreCase);
        await CheckAsync(browser, "second-factor-sms");
        await page.FillAsync("#code", (await warden.Sms.WaitForAsync(phone, number: 2)).Code());
        await page.ClickAsync("button.primary");

        await page.WaitForSelectorAsync("#newPassword");
        await CheckAsync(browser, "expired-password");
        await page.FillAsync("#newPassword", NewPassword);
        await page.ClickAsync("button.primary");
        await page.WaitForAddressAsync("**/account");
        Assert.Contains(email, await page.InnerTextAsync("main"), StringComparison.Ordinal);

        // Then the profile (a name, a picture previewed from Warden itself) and the notification settings.
        await page.GetByRole(AriaRole.Link, new() { Name = "Your profile", Exact = true }).ClickAsync();
        await page.WaitForAddressAsync("**/account/profile");
        await page.FillAsync("#fullName", "Grace Hopper");
        await page.ClickAsync("button.primary");
        await page.WaitForAddressAsync("**/account/profile?done=saved");
        Assert.Equal("Grace Hopper", await page.InputValueAsync("#fullName"));
        await page.SetInputFilesAsync("#avatar", new FilePayload { Name = "me.png", MimeType = "image/png", Buffer = Png });
        await page.ClickAsync("text=Upload picture");
        await page.WaitForAddressAsync("**/account/profile?done=avatar");
        Assert.True(await page.Locator("img.avatar").EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"), "the avatar preview did not load");
        await CheckAsync(browser, "profile");
        await page.GotoAsync("account/notifications");
        await page.CheckAsync("#marketing");
        await page.ClickAsync("button.primary");
        await page.WaitForAddressAsync("**/account/notifications?done=saved");
        Assert.True(await page.IsCheckedAsync("#marketing"));
        await CheckAsync(browser, "notifications");
    }

    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private static async Task SignInAsync(IPage page, string login, string password, bool expectAccount = true)
    {
        await page.GotoAsync("account/login");
        await page.FillAsync("#login", login);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button.primary");
        if (expectAccount)
        {
            await page.WaitForAddressAsync("**/account");
        }
    }

    private Task CheckAsync(BrowserSession browser, string name) => PageChecks.CheckAsync(browser, name, output);
}
