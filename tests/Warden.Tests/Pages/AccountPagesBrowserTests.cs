using System.Net;
using Microsoft.Playwright;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Warden.Tests.Passwords;
using Xunit.Abstractions;

namespace Warden.Tests.Pages;

/// <summary>
/// The account pages in Chromium against Warden on a real port: each journey as a person makes it, every page checked by
/// axe-core (no serious or critical violation), at 360 px without sideways scrolling, and photographed at both widths.
/// </summary>
[SqliteOnly]
[Collection(BrowserCollection.Name)]
public sealed class AccountPagesBrowserTests(Chromium chromium, ITestOutputHelper output)
{
    private const string NewPassword = "Fresh-Chosen-7319?";

    [Fact]
    public async Task APersonRegistersOpensTheEmailConfirmsWithTheirPasswordAndSignsIn()
    {
        await using var warden = new KestrelWardenFactory();
        await using var browser = await chromium.NewSessionAsync(warden.Start());
        var page = browser.Page;
        var email = AuthFlows.NewEmail("browser");

        await page.GotoAsync("account/register");
        await CheckAsync(browser, "register");
        await page.FillAsync("#fullName", "Browser Person");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", AuthFlows.Password);
        await page.ClickAsync("button.primary");
        await page.WaitForAddressAsync("**/account/check-email");
        await CheckAsync(browser, "check-email");

        var link = (await warden.Mailbox.WaitForAsync(email)).Link("/account/verify-email");
        await page.GotoAsync(link);
        await CheckAsync(browser, "verify-email");
        await page.FillAsync("#password", "not-the-password");
        await page.ClickAsync("button.primary");
        Assert.Contains("the password is not the one chosen at registration", await page.InnerTextAsync("[role=alert]"), StringComparison.Ordinal);
        await CheckAsync(browser, "verify-email-error");
        await page.FillAsync("#password", AuthFlows.Password);
        await page.ClickAsync("button.primary");
        Assert.Equal("Your email address is confirmed", await page.InnerTextAsync("h1"));
        await CheckAsync(browser, "verified");

        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await SignInAsync(page, email, AuthFlows.Password);
        await page.WaitForAddressAsync("**/account");
        Assert.Contains(email, await page.InnerTextAsync("main"), StringComparison.Ordinal);
        Assert.Contains("Browser Person", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await CheckAsync(browser, "overview");

        await page.ClickAsync("text=Sign out");
        await page.WaitForAddressAsync("**/account/login");
        await CheckAsync(browser, "login");
        await page.GotoAsync("account");
        await page.WaitForAddressAsync("**/account/login?returnUrl=%2Faccount");
    }

    [Fact]
    public async Task APersonWithAnAuthenticatorSignsInWithACodeAndThenWithARecoveryCode()
    {
        await using var warden = new KestrelWardenFactory();
        await using var browser = await chromium.NewSessionAsync(warden.Start());
        var page = browser.Page;
        var user = await warden.TotpUserAsync(warden.CreateClient());

        await page.GotoAsync("account/login");
        await SignInAsync(page, user.Email, AuthFlows.Password);
        Assert.Equal("Confirm it is you", await page.InnerTextAsync("h1"));
        await CheckAsync(browser, "second-factor");
        await page.FillAsync("#code", "000000");
        await page.ClickAsync("button.primary");
        Assert.Contains("The code is wrong or expired.", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await CheckAsync(browser, "second-factor-error");
        await page.FillAsync("#code", await warden.TotpNowAsync(user));
        await page.ClickAsync("button.primary");
        await page.WaitForAddressAsync("**/account");
        Assert.Contains(user.Email, await page.InnerTextAsync("main"), StringComparison.Ordinal);

        await page.ClickAsync("text=Sign out");
        await page.WaitForAddressAsync("**/account/login");
        await SignInAsync(page, user.Email, AuthFlows.Password);
        await page.FillAsync("#code", user.RecoveryCodes[0]);
        await page.ClickAsync("button.primary");
        await page.WaitForAddressAsync("**/account");
        Assert.Contains(user.Email, await page.InnerTextAsync("main"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APersonWhoForgotTheirPasswordResetsItFromTheEmailAndSignsInWithTheNewOne()
    {
        await using var warden = new KestrelWardenFactory();
        await using var browser = await chromium.NewSessionAsync(warden.Start());
        var page = browser.Page;
        var (email, _) = await warden.SignedInUserAsync(warden.CreateClient());

        await page.GotoAsync("account/login");
        await page.ClickAsync("text=Forgot your password?");
        await CheckAsync(browser, "forgot-password");
        await page.FillAsync("#email", email);
        await page.ClickAsync("button.primary");
        Assert.Equal("Check your email", await page.InnerTextAsync("h1"));
        await CheckAsync(browser, "forgot-password-sent");

        var link = (await warden.WaitForEmailAsync(email, PasswordFlows.ResetSubject)).Link("/account/reset-password");
        await page.GotoAsync(link);
        await CheckAsync(browser, "reset-password");
        await page.FillAsync("#newPassword", "password");
        await page.ClickAsync("button.primary");
        Assert.Equal("true", await page.GetAttributeAsync("#newPassword", "aria-invalid"));
        Assert.Equal("newPassword-error", await page.GetAttributeAsync("#newPassword", "aria-describedby"));
        await CheckAsync(browser, "reset-password-error");
        await page.FillAsync("#newPassword", NewPassword);
        await page.ClickAsync("button.primary");
        Assert.Equal("Password saved", await page.InnerTextAsync("h1"));

        var again = await page.GotoAsync(link);
        Assert.Equal(200, again!.Status); // the link only shows the form; the spent token shows itself when posted
        await page.FillAsync("#newPassword", "Another-Fresh-8841?");
        await page.ClickAsync("button.primary");
        Assert.Equal("This link no longer works", await page.InnerTextAsync("h1"));
        await CheckAsync(browser, "expired-link");

        await page.GotoAsync("account/login");
        await SignInAsync(page, email, NewPassword);
        await page.WaitForAddressAsync("**/account");
    }

    [Fact]
    public async Task AnInvitedPersonChoosesAPasswordOnTheInvitationPageAndSignsIn()
    {
        await using var warden = new KestrelWardenFactory();
        await using var browser = await chromium.NewSessionAsync(warden.Start());
        var page = browser.Page;
        var admin = await warden.AdminClientAsync();
        var email = AuthFlows.NewEmail("invited");
        await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/admin/users", new { email, fullName = "Invited Person", sendInvitation = true }))
            .ReadJsonAsync(HttpStatusCode.Created);

        await page.GotoAsync((await warden.Mailbox.WaitForAsync(email)).Link("/account/invitation"));
        Assert.Equal("Welcome! Choose your password", await page.InnerTextAsync("h1"));
        await CheckAsync(browser, "invitation");
        await page.FillAsync("#newPassword", NewPassword);
        await page.ClickAsync("button.primary");
        Assert.Equal("Password saved", await page.InnerTextAsync("h1"));

        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await SignInAsync(page, email, NewPassword);
        await page.WaitForAddressAsync("**/account");
        Assert.Contains("Invited Person", await page.InnerTextAsync("main"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASignInAskedToReturnToAForeignSiteLandsOnTheAccountInstead()
    {
        await using var warden = new KestrelWardenFactory();
        await using var browser = await chromium.NewSessionAsync(warden.Start());
        var (email, _) = await warden.SignedInUserAsync(warden.CreateClient());

        await browser.Page.GotoAsync("account/login?returnUrl=" + Uri.EscapeDataString("https://evil.example/phish"));
        await SignInAsync(browser.Page, email, AuthFlows.Password);

        await browser.Page.WaitForAddressAsync(warden.BaseAddress + "account");
    }

    [Fact]
    public async Task WithJavaScriptOffAPersonSignsInSeesTheAccountAndSignsOut()
    {
        await using var warden = new KestrelWardenFactory();
        var address = warden.Start();
        var (email, _) = await warden.SignedInUserAsync(warden.CreateClient());
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = address.ToString(), JavaScriptEnabled = false, Locale = "en-US" });
        try
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync("account/login");
            await SignInAsync(page, email, AuthFlows.Password);
            await page.WaitForAddressAsync("**/account");
            Assert.Contains(email, await page.InnerTextAsync("main"), StringComparison.Ordinal);

            await page.ClickAsync("text=Sign out");
            await page.WaitForAddressAsync("**/account/login");
            Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "warden_session");
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    [Fact]
    public async Task TheNotFoundPageIsAnAccessiblePage()
    {
        await using var warden = new KestrelWardenFactory();
        await using var browser = await chromium.NewSessionAsync(warden.Start());

        var response = await browser.Page.GotoAsync("account/nowhere");

        Assert.Equal(404, response!.Status);
        await CheckAsync(browser, "not-found");
    }

    private static async Task SignInAsync(IPage page, string login, string password)
    {
        await page.FillAsync("#login", login);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button.primary");
    }

    private Task CheckAsync(BrowserSession browser, string name) => PageChecks.CheckAsync(browser, name, output);
}
