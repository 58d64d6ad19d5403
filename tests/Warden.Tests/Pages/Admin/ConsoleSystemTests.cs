using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Webhooks;
using Warden.Tests.Infrastructure;

using Warden.Tests.Fixtures;

namespace Warden.Tests.Pages.Admin;

/// <summary>
/// The console's system sections without a browser (so without JavaScript): webhooks, the outbox's poisoned events and
/// RabbitMQ, IP rules and automatic blocks — each action through the admin API's own use case, audited with the
/// administrator as actor; destructive ones after a step-up and a confirmation; all closed to a helpdesk administrator.
/// </summary>
[SqliteOnly]
[Collection(AdminConsoleCollection.Name)]
public sealed partial class ConsoleSystemTests(AdminConsoleServer factory)
{
    [Fact]
    public async Task AWebhookIsCreatedWithItsSecretShownOnceTestedAndDeletedAfterAStepUpAndAConfirmation()
    {
        var console = await factory.ConsoleClientAsync();
        var url = $"https://127.0.0.1:9/console-{Guid.NewGuid():N}";
        var token = await console.FormTokenAsync("/admin/webhooks");

        var invalid = await console.PostFormAsync("/admin/webhooks", token, ("url", url), ("eventTypes", "no.such.type"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        Assert.Contains("Unknown event types: no.such.type", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var created = await console.PostFormAsync("/admin/webhooks", token, ("url", url), ("eventTypes", "user.* role.created"), ("description", "CRM"));
        Assert.True(created.StatusCode == HttpStatusCode.OK, await created.Content.ReadAsStringAsync());
        Assert.True(created.Headers.CacheControl?.NoStore);
        var secret = WebUtility.HtmlDecode(SecretField().Match(await created.Content.ReadAsStringAsync()).Groups[1].Value);
        var hook = await factory.InDbAsync(db => db.WebhookSubscriptions.SingleAsync(s => s.Url == url));
        Assert.Equal(["user.*", "role.created"], hook.EventTypeList);
        Assert.Equal(secret, factory.Services.GetRequiredService<SecretProtector>().Unprotect(SecretKind.WebhookSecret, hook.ProtectedSecret));
        var page = $"/admin/webhooks/{hook.Id}";
        Assert.DoesNotContain(secret, await console.GetStringAsync("/admin/webhooks"), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, await console.GetStringAsync(page), StringComparison.Ordinal);

        var tested = await console.PostFormAsync(page + "/test", token);
        Assert.Equal(page + "?done=webhook-tested", tested.Headers.Location?.OriginalString);
        var delivery = await factory.InDbAsync(db => db.WebhookDeliveries.SingleAsync(d => d.SubscriptionId == hook.Id));
        Assert.Equal(EventTypes.WebhookTest, delivery.EventType);
        Assert.Contains(EventTypes.WebhookTest, await console.GetStringAsync(page), StringComparison.Ordinal);

        // The sender may hold the delivery for a moment (its attempt at a closed port): the API's 409, then done.
        HttpResponseMessage redelivered;
        var tries = 0;
        do
        {
            redelivered = await console.PostFormAsync($"{page}/deliveries/{delivery.Id}/redeliver", token);
        }
        while (redelivered.Headers.Location?.OriginalString == page + "?problem=conflict" && ++tries < 50 && await Delay());
        Assert.Equal(page + "?done=webhook-redelivered", redelivered.Headers.Location?.OriginalString);

        var stepUp = await console.PostFormAsync(page + "/delete", token, ("confirm", "yes"));
        Assert.Equal("/account/reauthenticate?returnUrl=" + Uri.EscapeDataString(page + "/delete"), stepUp.Headers.Location?.OriginalString);
        await console.ReauthenticateAsync(WardenFactory.AdminPassword);
        var asked = await console.PostFormAsync(page + "/delete", token);
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        Assert.Contains($"Delete the webhook to {url}?", await asked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(await factory.InDbAsync(db => db.WebhookSubscriptions.AnyAsync(s => s.Id == hook.Id)));
        var deleted = await console.PostFormAsync(page + "/delete", token, ("confirm", "yes"));
        Assert.Equal("/admin/webhooks?done=webhook-deleted", deleted.Headers.Location?.OriginalString);
        Assert.False(await factory.InDbAsync(db => db.WebhookSubscriptions.AnyAsync(s => s.Id == hook.Id)));

        await AuditedAsync(hook.Id, EventTypes.WebhookCreated, EventTypes.WebhookTestRequested, EventTypes.WebhookRedeliveryRequested, EventTypes.WebhookDeleted);
    }

    [Fact]
    public async Task AnIpRuleIsAddedAndRemovedAfterAStepUpAndAnAutomaticBlockIsLifted()
    {
        var console = await factory.ConsoleClientAsync();
        var network = $"198.51.{Random.Shared.Next(0, 255)}.0/24";
        var token = await console.FormTokenAsync("/admin/ip-rules");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await console.PostFormAsync("/admin/ip-rules", token, ("action", "deny"), ("network", "10.0.0.1/8"))).StatusCode);
        var added = await console.PostFormAsync("/admin/ip-rules", token, ("action", "deny"), ("network", network), ("note", "scanner"));
        Assert.Equal("/admin/ip-rules?done=ip-rule-created", added.Headers.Location?.OriginalString);
        var rule = await factory.InDbAsync(db => db.IpRules.SingleAsync(r => r.Network == network));
        Assert.Contains(network, await console.GetStringAsync("/admin/ip-rules"), StringComparison.Ordinal);
        // A rule refusing one's own address needs the acknowledgement: the API's self-lockout guard, as a message.
        var ownAddress = await console.PostFormAsync("/admin/ip-rules", token, ("action", "deny"), ("network", "127.0.0.1"));
        Assert.Equal("/admin/ip-rules?problem=self_lockout", ownAddress.Headers.Location?.OriginalString);

        var stepUp = await console.PostFormAsync($"/admin/ip-rules/{rule.Id}/delete", token, ("confirm", "yes"));
        Assert.StartsWith("/account/reauthenticate", stepUp.Headers.Location?.OriginalString, StringComparison.Ordinal);
        await console.ReauthenticateAsync(WardenFactory.AdminPassword);
        Assert.Contains($"Remove the deny rule for {network}?", await console.GetStringAsync($"/admin/ip-rules/{rule.Id}/delete"), StringComparison.Ordinal);
        var removed = await console.PostFormAsync($"/admin/ip-rules/{rule.Id}/delete", token, ("confirm", "yes"));
        Assert.Equal("/admin/ip-rules?done=ip-rule-deleted", removed.Headers.Location?.OriginalString);
        Assert.False(await factory.InDbAsync(db => db.IpRules.AnyAsync(r => r.Id == rule.Id)));

        var now = factory.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var block = new IpBlock { Network = $"203.0.113.{Random.Shared.Next(1, 255)}", Reason = "credential_stuffing", Failures = 40, Identifiers = 12, BlockedAt = now, ExpiresAt = now.AddHours(1) };
        await factory.InDbAsync(async db => { db.IpBlocks.Add(block); await db.SaveChangesAsync(); });
        Assert.Contains("40 failures on 12 accounts", await console.GetStringAsync("/admin/ip-rules"), StringComparison.Ordinal);
        var lifted = await console.PostFormAsync($"/admin/ip-rules/blocks/{block.Id}/lift", token);
        Assert.Equal("/admin/ip-rules?done=ip-block-lifted", lifted.Headers.Location?.OriginalString);
        Assert.False(await factory.InDbAsync(db => db.IpBlocks.AnyAsync(b => b.Id == block.Id)));

        await AuditedAsync(rule.Id, EventTypes.IpRuleCreated, EventTypes.IpRuleDeleted);
        await AuditedAsync(block.Id, EventTypes.IpUnblocked);
    }

    [Fact]
    public async Task APoisonedEventIsListedAndRetriedAndRabbitMqShowsItIsNotConfigured()
    {
        var console = await factory.ConsoleClientAsync();
        var now = factory.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var poisoned = new OutboxMessage
        {
            Type = EventTypes.AuditHeadPublished, Data = "{}", OccurredAt = now, Attempts = 30, Poisoned = true, LastError = "console-test: handler gave up",
        };
        await factory.InDbAsync(async db => { db.OutboxMessages.Add(poisoned); await db.SaveChangesAsync(); });

        var html = await console.GetStringAsync("/admin/events");
        Assert.Contains("console-test: handler gave up", html, StringComparison.Ordinal);
        Assert.Contains("RabbitMQ is not configured", html, StringComparison.Ordinal);
        var token = await console.FormTokenAsync("/admin/events");
        var retried = await console.PostFormAsync($"/admin/events/{poisoned.Id}/retry", token);
        Assert.Equal("/admin/events?done=event-retried", retried.Headers.Location?.OriginalString);
        Assert.False(await factory.InDbAsync(db => db.OutboxMessages.Where(m => m.Id == poisoned.Id).Select(m => m.Poisoned).SingleAsync()));
        var again = await console.PostFormAsync($"/admin/events/{poisoned.Id}/retry", token);
        Assert.Equal("/admin/events?problem=not_found", again.Headers.Location?.OriginalString);
        await AuditedAsync(poisoned.Id, EventTypes.OutboxEventRetried);
    }

    [Fact]
    public async Task AnOidcClientIsRegisteredWithItsSecretShownOnceItsSecretRotatedAndItIsDeletedEachAfterAStepUpAndAConfirmation()
    {
        var console = await factory.ConsoleClientAsync();
        var clientId = "console-" + Guid.NewGuid().ToString("N")[..8];
        var token = await console.FormTokenAsync("/admin/clients");

        var invalid = await console.PostFormAsync("/admin/clients", token, ("clientId", clientId), ("type", "confidential"), ("grantType", "authorization_code"),
            ("scopes", "openid"), ("firstParty", "yes"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        Assert.Contains("needs at least one redirect URI", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var created = await console.PostFormAsync("/admin/clients", token, ("clientId", clientId), ("type", "confidential"), ("grantType", "authorization_code"),
            ("redirectUris", "https://app.example/callback"), ("scopes", "openid profile"), ("firstParty", "yes"));
        Assert.True(created.StatusCode == HttpStatusCode.OK, await created.Content.ReadAsStringAsync());
        var secret = WebUtility.HtmlDecode(SecretField().Match(await created.Content.ReadAsStringAsync()).Groups[1].Value);
        Assert.True(secret.Length >= 40);
        var id = await factory.InDbAsync(db => db.OidcApplications.Where(a => a.ClientId == clientId).Select(a => a.Id).SingleAsync());
        var page = $"/admin/clients/{id}";
        Assert.Contains(clientId, await console.GetStringAsync("/admin/clients"), StringComparison.Ordinal);
        var shown = await console.GetStringAsync(page);
        Assert.Contains("https://app.example/callback", shown, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, shown, StringComparison.Ordinal);

        var stepUp = await console.PostFormAsync(page + "/secret", token, ("confirm", "yes"));
        Assert.Equal("/account/reauthenticate?returnUrl=" + Uri.EscapeDataString(page + "/secret"), stepUp.Headers.Location?.OriginalString);
        await console.ReauthenticateAsync(WardenFactory.AdminPassword);
        Assert.Contains($"Replace the secret of {clientId}?", await console.GetStringAsync(page + "/secret"), StringComparison.Ordinal);
        var rotated = await console.PostFormAsync(page + "/secret", token, ("confirm", "yes"));
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var newSecret = WebUtility.HtmlDecode(SecretField().Match(await rotated.Content.ReadAsStringAsync()).Groups[1].Value);
        Assert.NotEqual(secret, newSecret);
        Assert.True(newSecret.Length >= 40);

        var asked = await console.PostFormAsync(page + "/delete", token);
        Assert.Contains($"Delete the client {clientId}?", await asked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var deleted = await console.PostFormAsync(page + "/delete", token, ("confirm", "yes"));
        Assert.Equal("/admin/clients?done=client-deleted", deleted.Headers.Location?.OriginalString);
        Assert.False(await factory.InDbAsync(db => db.OidcApplications.AnyAsync(a => a.Id == id)));

        await AuditedAsync(id, EventTypes.OidcClientCreated, EventTypes.OidcClientSecretRotated, EventTypes.OidcClientDeleted);
    }

    [Fact]
    public async Task AHelpdeskAdministratorWithoutAdminSystemGets403OnTheSystemSectionsAndTheirPosts()
    {
        var (helpdesk, _, _) = await factory.HelpdeskClientAsync();
        var token = await helpdesk.FormTokenAsync("/admin/users");
        var url = $"http://127.0.0.1:9/sneaky-{Guid.NewGuid():N}";

        foreach (var path in new[] { "/admin/webhooks", $"/admin/webhooks/{Guid.NewGuid()}", "/admin/events", "/admin/ip-rules", "/admin/clients" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await helpdesk.GetAsync(path)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await helpdesk.PostFormAsync("/admin/webhooks", token, ("url", url), ("eventTypes", "*"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await helpdesk.PostFormAsync($"/admin/webhooks/{Guid.NewGuid()}/delete", token, ("confirm", "yes"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await helpdesk.PostFormAsync("/admin/ip-rules", token, ("action", "deny"), ("network", "192.0.2.0/24"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await helpdesk.PostFormAsync("/admin/clients", token, ("clientId", "sneaky"), ("type", "public"))).StatusCode);
        Assert.False(await factory.InDbAsync(db => db.WebhookSubscriptions.AnyAsync(s => s.Url == url)));
        Assert.False(await factory.InDbAsync(db => db.IpRules.AnyAsync(r => r.Network == "192.0.2.0/24")));
    }

    private async Task AuditedAsync(Guid id, params string[] actions)
    {
        var root = await factory.InDbAsync(db => db.Users.Where(u => u.Email == WardenFactory.AdminEmail).Select(u => u.Id).SingleAsync());
        foreach (var action in actions)
        {
            await factory.EventuallyInDbAsync(
                async db => await db.AuditLog.AnyAsync(e => e.Action == action && e.ActorId == root && e.Details.Contains(id.ToString())),
                $"{action} is audited with the administrator as actor");
        }
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(100);
        return true;
    }

    [GeneratedRegex("id=\"secret\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex SecretField();
}
