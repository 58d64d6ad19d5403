using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Warden.Server.Users;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Warden.Tests.Pages.Admin;

/// <summary>
/// The console in Chromium against Warden on a real port: an administrator's day as they would click it, every page
/// checked by axe-core, at 360 px, and photographed at both widths; and the same forms with JavaScript turned off.
/// </summary>
[SqliteOnly]
[Collection(AdminConsoleCollection.Name)]
public sealed class ConsoleBrowserTests(AdminConsoleServer warden, ITestOutputHelper output)
{
    [Fact]
    public async Task AnAdministratorFindsAUserByPartOfTheEmailSuspendsThemAndTheirOpenBrowserSessionEnds()
    {
        var address = warden.Start();
        var chromium = await warden.ChromiumAsync();
        var (email, _) = await warden.SignedInUserAsync();
        await using var person = await chromium.NewSessionAsync(address);
        await person.Page.GotoAsync("account/login");
        await person.Page.SignInAsync(email, AuthFlows.Password);
        await person.Page.WaitForAddressAsync("**/account");

        await using var browser = await chromium.NewSessionAsync(address);
        var page = browser.Page;
        await page.GotoAsync("admin");
        await page.WaitForAddressAsync("**/account/login?returnUrl=%2Fadmin");
        await page.SignInAsync(WardenFactory.AdminEmail, WardenFactory.AdminPassword);
        await page.WaitForAddressAsync("**/admin");
        Assert.Contains("Sign-ins, failed sign-ins and registrations per day", await page.InnerHTMLAsync("svg.chart"), StringComparison.Ordinal);
        await CheckAsync(browser, "dashboard");

        await page.GetByRole(AriaRole.Link, new() { Name = "Users", Exact = true }).ClickAsync();
        await page.FillAsync("#search", email[5..20]);
        await page.ClickAsync("form[role=search] button.primary");
        Assert.Contains("1 users match", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await CheckAsync(browser, "users");

        await page.GetByRole(AriaRole.Link, new() { Name = email }).ClickAsync();
        Assert.Equal(email, await page.InnerTextAsync("h1"));
        await CheckAsync(browser, "user");

        await page.GetByRole(AriaRole.Button, new() { Name = "Suspend", Exact = true }).ClickAsync();
        await page.WaitForAddressAsync("**/account/reauthenticate?returnUrl=*");
        await page.FillAsync("#password", WardenFactory.AdminPassword);
        await page.ClickAsync("button.primary");
        await page.WaitForAddressAsync("**/confirm?operation=suspend");
        await CheckAsync(browser, "confirm");
        await page.ClickAsync("button.danger");

        Assert.Contains("The account is suspended", await page.InnerTextAsync("[role=status]"), StringComparison.Ordinal);
        await CheckAsync(browser, "user-suspended");
        await person.Page.ReloadAsync();
        await person.Page.WaitForAddressAsync("**/account/login?returnUrl=%2Faccount");

        await page.GotoAsync("admin/users/new");
        await CheckAsync(browser, "create-user");
    }

    [Fact]
    public async Task WithoutJavaScriptABulkActionOverAFilteredSetStillPostsAndConfirms()
    {
        var address = warden.Start();
        var chromium = await warden.ChromiumAsync();
        var tag = "nojs" + Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 2; i++)
        {
            await warden.CreateClient().RegisterAsync($"{tag}.{i}@example.com");
            await warden.ActivateAsync($"{tag}.{i}@example.com");
        }

        var context = await chromium.Browser.NewContextAsync(new() { BaseURL = address.ToString(), Locale = "en-US", TimezoneId = "UTC", JavaScriptEnabled = false });
        await using var browser = new BrowserSession(context, await context.NewPageAsync());
        var page = browser.Page;
        await page.GotoAsync("account/login?returnUrl=%2Fadmin%2Fusers");
        await page.SignInAsync(WardenFactory.AdminEmail, WardenFactory.AdminPassword);
        await page.WaitForAddressAsync("**/admin/users");
        await page.FillAsync("#search", tag);
        await page.SelectOptionAsync("#status", "active");
        await page.ClickAsync("form[role=search] button.primary");
        await page.CheckAsync("#scope-filtered");
        await page.SelectOptionAsync("#operation", "addrole");
        await page.SelectOptionAsync("#grant", "moderator");
        await page.ClickAsync("fieldset.bulk button");
        await page.WaitForAddressAsync("**/account/reauthenticate?returnUrl=*");
        await page.FillAsync("#password", WardenFactory.AdminPassword);
        await page.ClickAsync("button.primary");

        // Back on the filtered list (a post cannot be replayed through a redirect): the action is chosen again.
        await page.WaitForAddressAsync(url => url.Contains($"/admin/users?search={tag}&status=active", StringComparison.Ordinal));
        await page.CheckAsync("#scope-filtered");
        await page.SelectOptionAsync("#operation", "addrole");
        await page.SelectOptionAsync("#grant", "moderator");
        await page.ClickAsync("fieldset.bulk button");
        Assert.Contains("Give 2 users the role moderator?", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await page.ClickAsync("button.danger");

        Assert.Contains("Added the role to 2 users; 0 refused.", await page.InnerTextAsync("[role=status]"), StringComparison.Ordinal);
        Assert.Equal(2, await warden.InDbAsync(db => db.UserRoles.CountAsync(ur => ur.User!.Email!.StartsWith(tag) && ur.Role!.Name == "moderator"
                                                                                 && ur.User.Status == UserStatus.Active)));
    }

    private Task CheckAsync(BrowserSession browser, string name) => PageChecks.CheckAsync(browser, name, output, "admin");
}
