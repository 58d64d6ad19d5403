using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Http;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Warden.Tests.Pages.Admin;

/// <summary>
/// The console's system sections in Chromium with one signed-in administrator, as they would click them: a locked
/// account unlocked and given a role; a webhook created (its secret shown once), tested, redelivered and deleted after
/// the step-up; a poisoned event retried; an IP rule added and removed, an automatic block lifted; an OIDC client
/// registered, its secret rotated, deleted; an API scope registered and deleted; then every one of those changes found
/// in the audit log with the administrator as actor. A helpdesk administrator next to it sees no system section and gets
/// 403 on the webhooks' address. Each page of these sections checked by axe-core, at 360 px, and photographed at both
/// widths (a secret's answer page once: the webhook's and the client's are one component, as are the confirmations,
/// photographed by <see cref="ConsoleBrowserTests"/>).
/// </summary>
[SqliteOnly]
[Collection(AdminConsoleCollection.Name)]
public sealed class ConsoleSystemBrowserTests(AdminConsoleServer warden, ITestOutputHelper output)
{
    [Fact]
    public async Task AnAdministratorWalksTheSystemSectionsAndFindsEveryChangeInTheAuditLogWhileAHelpdeskAdministratorGets403()
    {
        var address = warden.Start();
        var chromium = await warden.ChromiumAsync();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var (lockedEmail, _) = await warden.SignedInUserAsync();
        var lockedId = await warden.LockSignInAsync(lockedEmail);
        var poisoned = await PoisonedEventAsync(tag);
        var block = await BlockAsync();
        var helpdeskEmail = (await warden.HelpdeskAsync()).Email;

        await using var browser = await chromium.NewSessionAsync(address);
        var page = browser.Page;
        await page.GotoAsync($"admin/users/{lockedId}");
        await page.SignInAsync(WardenFactory.AdminEmail, WardenFactory.AdminPassword);
        await page.WaitForAddressAsync($"**/admin/users/{lockedId}");
        Assert.Contains("sign-in locked until", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Button, new() { Name = "Unlock sign-in", Exact = true }).ClickAsync();
        await NoticeAsync(page, "The sign-in lock is lifted.");
        Assert.DoesNotContain("sign-in locked until", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await page.SelectOptionAsync("#role", "moderator");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add the role", Exact = true }).ClickAsync();
        await NoticeAsync(page, "The role is added.");

        // Webhooks: the secret on the answer page only; a test event, its delivery, a redelivery; deletion after the step-up.
        var hookUrl = $"https://127.0.0.1:9/browser-{tag}";
        await NavigateAsync(page, "Webhooks");
        await CheckAsync(browser, "webhooks");
        await page.FillAsync("#url", hookUrl);
        await page.FillAsync("#eventTypes", "user.* role.created");
        await page.FillAsync("#description", "CRM");
        await page.ClickAsync("form[action='/admin/webhooks'] button.primary");
        var secret = await page.InputValueAsync("#secret");
        Assert.True(secret.Length >= 32, secret);
        await CheckAsync(browser, "webhook-secret");
        await page.ClickAsync("text=I have stored it");
        Assert.Equal(hookUrl, await page.InnerTextAsync("h1"));
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send a test event", Exact = true }).ClickAsync();
        await NoticeAsync(page, "A test event is on its way");
        Assert.Contains(EventTypes.WebhookTest, await page.InnerTextAsync("tbody"), StringComparison.Ordinal);
        await CheckAsync(browser, "webhook");
        // The sender may hold the delivery for a moment (its attempt at a closed port): refused as a conflict, then done.
        for (var attempt = 0; attempt < 50; attempt++)
        {
            await page.ClickAsync("tbody button");
            if (await page.Locator("[role=status]").CountAsync() > 0)
            {
                break;
            }

            await Task.Delay(100);
        }

        await NoticeAsync(page, "The delivery is being sent again.");
        await page.ClickAsync("section[aria-labelledby=delete] button");
        await page.WaitForAddressAsync("**/account/reauthenticate?returnUrl=*");
        await page.FillAsync("#password", WardenFactory.AdminPassword);
        await page.ClickAsync("button.primary");
        await page.WaitForAddressAsync("**/delete");
        Assert.Contains($"Delete the webhook to {hookUrl}?", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await page.ClickAsync("button.danger");
        await NoticeAsync(page, "The webhook was deleted.");

        // Events: the poisoned one with its error, retried; RabbitMQ's status.
        await NavigateAsync(page, "Events");
        Assert.Contains($"browser-{tag}: handler gave up", await page.InnerTextAsync("tbody"), StringComparison.Ordinal);
        Assert.Contains("RabbitMQ is not configured", await page.InnerTextAsync("#rabbitmq-status"), StringComparison.Ordinal);
        await CheckAsync(browser, "events");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Retry {poisoned.Type} ({poisoned.Id})", Exact = true }).ClickAsync();
        await NoticeAsync(page, "The event will be delivered again.");

        // IP rules: a deny rule added and removed (the step-up is still fresh: straight to the confirmation), a block lifted.
        var network = $"198.51.{Random.Shared.Next(0, 255)}.0/24";
        await NavigateAsync(page, "IP rules");
        Assert.Contains(block.Network, await page.InnerTextAsync("section[aria-labelledby=blocks]"), StringComparison.Ordinal);
        await page.SelectOptionAsync("#action", "deny");
        await page.FillAsync("#network", network);
        await page.FillAsync("#note", "scanner");
        await page.ClickAsync("form[action='/admin/ip-rules'] button.primary");
        await NoticeAsync(page, "The rule was added.");
        await CheckAsync(browser, "ip-rules");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Lift the block of {block.Network}", Exact = true }).ClickAsync();
        await NoticeAsync(page, "The block was lifted.");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Remove rule for {network}", Exact = true }).ClickAsync();
        Assert.Contains($"Remove the deny rule for {network}?", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await page.ClickAsync("button.danger");
        await NoticeAsync(page, "The rule was removed.");
        Assert.DoesNotContain(network, await page.InnerTextAsync("main"), StringComparison.Ordinal);

        // OIDC clients: registered (its secret once), the secret rotated, deleted.
        var clientId = "browser-" + tag;
        await NavigateAsync(page, "OIDC clients");
        await CheckAsync(browser, "clients");
        await page.FillAsync("#clientId", clientId);
        await page.FillAsync("#displayName", "Course catalogue");
        await page.SelectOptionAsync("#type", "confidential");
        await page.CheckAsync("input[name=grantType][value=authorization_code]");
        await page.FillAsync("#redirectUris", "https://app.example/callback");
        await page.FillAsync("#scopes", "openid profile");
        await page.ClickAsync("form[action='/admin/clients'] button.primary");
        var clientSecret = await page.InputValueAsync("#secret");
        Assert.True(clientSecret.Length >= 40, clientSecret);
        await page.ClickAsync("text=I have stored it");
        Assert.Contains("https://app.example/callback", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        Assert.DoesNotContain(clientSecret, await page.ContentAsync(), StringComparison.Ordinal);
        await CheckAsync(browser, "client");
        await page.GetByRole(AriaRole.Link, new() { Name = "Rotate secret", Exact = true }).ClickAsync();
        Assert.Contains($"Replace the secret of {clientId}?", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await page.ClickAsync("button.danger");
        var rotated = await page.InputValueAsync("#secret");
        Assert.NotEqual(clientSecret, rotated);
        await page.ClickAsync("text=I have stored it");
        await page.GetByRole(AriaRole.Link, new() { Name = "Delete client", Exact = true }).ClickAsync();
        Assert.Contains($"Delete the client {clientId}?", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await page.ClickAsync("button.danger");
        await NoticeAsync(page, "The client was deleted.");

        // API scopes: registered, then deleted.
        var scope = "browser-" + tag;
        await NavigateAsync(page, "API scopes");
        await page.FillAsync("#name", scope);
        await page.FillAsync("#displayName", "Courses");
        await page.FillAsync("#resources", "courses-api");
        await page.ClickAsync("form[action='/admin/scopes'] button.primary");
        await NoticeAsync(page, "The API scope was registered.");
        Assert.Contains("courses-api", await page.InnerTextAsync("tbody"), StringComparison.Ordinal);
        await CheckAsync(browser, "scopes");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Delete scope {scope}", Exact = true }).ClickAsync();
        await page.ClickAsync("button.danger");
        await NoticeAsync(page, "The API scope was deleted.");

        // Identity providers: one added (its secret taken once), then turned off so no sign-in page shows it.
        await NavigateAsync(page, "Identity providers");
        await page.FillAsync("#slug", "browser-" + tag);
        await page.FillAsync("#displayName", "Browser Google " + tag);
        await page.SelectOptionAsync("#kind", "google");
        await page.FillAsync("#clientId", "browser-client");
        await page.FillAsync("#clientSecret", "browser-provider-secret");
        await page.ClickAsync("form[action='/admin/identity-providers'] button.primary");
        await NoticeAsync(page, "The identity provider was added.");
        Assert.DoesNotContain("browser-provider-secret", await page.ContentAsync(), StringComparison.Ordinal);
        await CheckAsync(browser, "identity-providers");
        await page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Browser Google " + tag }).GetByRole(AriaRole.Button, new() { Name = "Turn off" }).ClickAsync();
        await NoticeAsync(page, "The identity provider is off: nobody signs in with it, flows under way included.");

        // Every change above, in the audit log, the administrator its actor.
        string[] changes =
        [
            EventTypes.UserUnlocked, EventTypes.RoleAssigned, EventTypes.WebhookCreated, EventTypes.WebhookTestRequested,
            EventTypes.WebhookRedeliveryRequested, EventTypes.WebhookDeleted, EventTypes.OutboxEventRetried, EventTypes.IpRuleCreated,
            EventTypes.IpUnblocked, EventTypes.IpRuleDeleted, EventTypes.OidcClientCreated, EventTypes.OidcClientSecretRotated,
            EventTypes.OidcClientDeleted, EventTypes.OidcScopeCreated, EventTypes.OidcScopeDeleted, EventTypes.IdentityProviderCreated,
            EventTypes.IdentityProviderUpdated,
        ];
        await NavigateAsync(page, "Audit log");
        await page.FillAsync("#actor", WardenFactory.AdminEmail);
        await page.ClickAsync("form[role=search] button.primary");
        var rows = await AuditRowsAsync(page, changes);
        foreach (var change in changes)
        {
            Assert.Contains(rows, row => row.Contains(change, StringComparison.Ordinal) && row.Contains(WardenFactory.AdminEmail, StringComparison.Ordinal));
        }

        Assert.Contains(rows, row => row.Contains(EventTypes.UserUnlocked, StringComparison.Ordinal) && row.Contains(lockedEmail, StringComparison.Ordinal));

        // A helpdesk administrator (admin:users without admin:system): no system section in the navigation, 403 at its address.
        await using var helpdesk = await chromium.NewSessionAsync(address);
        await helpdesk.Page.GotoAsync("admin");
        await helpdesk.Page.SignInAsync(helpdeskEmail, AuthFlows.Password);
        await helpdesk.Page.WaitForAddressAsync("**/admin");
        var navigation = await helpdesk.Page.InnerTextAsync("nav[aria-label='Console sections']");
        Assert.Contains("Users", navigation, StringComparison.Ordinal);
        foreach (var section in new[] { "Webhooks", "Events", "IP rules", "OIDC clients", "API scopes", "Identity providers", "Access rules" })
        {
            Assert.DoesNotContain(section, navigation, StringComparison.Ordinal);
        }

        var forbidden = await helpdesk.Page.GotoAsync("admin/webhooks");
        Assert.Equal(403, forbidden?.Status);
        Assert.Equal(0, await helpdesk.Page.Locator("#url").CountAsync());
        await CheckAsync(helpdesk, "forbidden");
    }

    private async Task<OutboxMessage> PoisonedEventAsync(string tag)
    {
        var message = new OutboxMessage
        {
            Type = EventTypes.AuditHeadPublished, Data = "{}", OccurredAt = warden.Services.GetRequiredService<TimeProvider>().GetUtcNow(),
            Attempts = 30, Poisoned = true, LastError = $"browser-{tag}: handler gave up",
        };
        await warden.InDbAsync(async db => { db.OutboxMessages.Add(message); await db.SaveChangesAsync(); });
        return message;
    }

    private async Task<IpBlock> BlockAsync()
    {
        var now = warden.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var block = new IpBlock
        {
            Network = $"203.0.113.{Random.Shared.Next(1, 255)}", Reason = "credential_stuffing", Failures = 40, Identifiers = 12, BlockedAt = now, ExpiresAt = now.AddHours(1),
        };
        await warden.InDbAsync(async db => { db.IpBlocks.Add(block); await db.SaveChangesAsync(); });
        return block;
    }

    /// <summary>The audit rows, reloaded until every change is there (an entry follows its event).</summary>
    private static async Task<IReadOnlyList<string>> AuditRowsAsync(IPage page, string[] changes)
    {
        IReadOnlyList<string> rows = [];
        for (var attempt = 0; attempt < 50; attempt++)
        {
            rows = await page.Locator("tbody tr").AllInnerTextsAsync();
            if (changes.All(change => rows.Any(row => row.Contains(change, StringComparison.Ordinal))))
            {
                break;
            }

            await Task.Delay(100);
            await page.ReloadAsync();
        }

        return rows;
    }

    private static async Task NoticeAsync(IPage page, string text) =>
        Assert.Contains(text, await page.InnerTextAsync("[role=status]"), StringComparison.Ordinal);

    private static Task NavigateAsync(IPage page, string section) =>
        page.GetByRole(AriaRole.Link, new() { Name = section, Exact = true }).ClickAsync();

    private Task CheckAsync(BrowserSession browser, string name) => PageChecks.CheckAsync(browser, name, output, "admin");
}
