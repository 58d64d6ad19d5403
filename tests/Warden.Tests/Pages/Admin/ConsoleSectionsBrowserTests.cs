using Microsoft.Playwright;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Warden.Tests.Pages.Admin;

/// <summary>
/// The console's roles, access rules and audit log in Chromium, as an administrator clicks them: a role created with the
/// permission picker, the tester asked, the log filtered down to that change and the chain verified. Every page checked
/// by axe-core, at 360 px, and photographed at both widths.
/// </summary>
[SqliteOnly]
[Collection(AdminConsoleCollection.Name)]
public sealed class ConsoleSectionsBrowserTests(AdminConsoleServer warden, ITestOutputHelper output)
{
    [Fact]
    public async Task AnAdministratorCreatesARoleAsksTheAccessRulesAndFindsTheChangeInTheAuditLog()
    {
        var address = warden.Start();
        var chromium = await warden.ChromiumAsync();
        await using var browser = await chromium.NewSessionAsync(address);
        var page = browser.Page;
        await page.GotoAsync("admin/roles");
        await page.FillAsync("#login", WardenFactory.AdminEmail);
        await page.FillAsync("#password", WardenFactory.AdminPassword);
        await page.ClickAsync("button.primary");
        await page.WaitForAddressAsync("**/admin/roles");
        await CheckAsync(browser, "roles");

        await page.ClickAsync("text=New role");
        await page.FillAsync("#name", "reviewers");
        await page.FillAsync("#description", "Read anyone's profile");
        await page.CheckAsync("input[value='read:own']");
        await page.CheckAsync("input[value='read:all']");
        await page.ClickAsync("button.primary");
        Assert.Contains("The role was created.", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        Assert.True(await page.IsCheckedAsync("input[value='read:all']"));
        await CheckAsync(browser, "role");

        await page.GetByRole(AriaRole.Link, new() { Name = "Access rules", Exact = true }).ClickAsync();
        await page.FillAsync("#subject", WardenFactory.AdminEmail);
        await page.FillAsync("#action", "admin.roles.write");
        await page.SelectOptionAsync("#resource", "role");
        await page.ClickAsync("form.filters button.primary");
        Assert.Contains("Allowed by the rule administerSystem", await page.InnerTextAsync("#decision"), StringComparison.Ordinal);
        await CheckAsync(browser, "access");

        await page.GetByRole(AriaRole.Link, new() { Name = "Audit log", Exact = true }).ClickAsync();
        await page.FillAsync("#actor", WardenFactory.AdminEmail);
        await page.FillAsync("#type", "role.*");
        await page.ClickAsync("form[role=search] button.primary");
        for (var attempt = 0; attempt < 50 && await page.Locator("tbody").CountAsync() == 0; attempt++)
        {
            await Task.Delay(100); // the audit entry follows the role's event
            await page.ReloadAsync();
        }

        Assert.Contains("role.created", await page.InnerTextAsync("tbody"), StringComparison.Ordinal);
        await CheckAsync(browser, "audit");
        await page.ClickAsync("tbody a");
        Assert.Contains("reviewers", await page.InnerTextAsync("pre"), StringComparison.Ordinal);
        await CheckAsync(browser, "audit-entry");
        await page.GotoAsync("admin/audit/verify");
        Assert.Contains("The chain is intact", await page.InnerTextAsync("#verdict"), StringComparison.Ordinal);
        await CheckAsync(browser, "audit-verify");
    }

    private Task CheckAsync(BrowserSession browser, string name) => PageChecks.CheckAsync(browser, name, output, "admin");
}
