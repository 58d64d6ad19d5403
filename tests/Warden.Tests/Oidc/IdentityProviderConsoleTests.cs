using System.Net;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Warden.Tests.Pages;
using Warden.Tests.Pages.Admin;

namespace Warden.Tests.Oidc;

/// <summary>
/// The console's identity providers without a browser (so without JavaScript): added through the API's own checks with
/// the secret taken once and never shown, turned off and on, deleted after a step-up and a confirmation, closed to a
/// helpdesk administrator.
/// </summary>
[SqliteOnly]
[Collection(AdminConsoleCollection.Name)]
public sealed class IdentityProviderConsoleTests(AdminConsoleServer factory)
{
    [Fact]
    public async Task AProviderIsAddedWithItsSecretTakenOnceTurnedOffAndDeletedAfterAStepUpAndAConfirmation()
    {
        var console = await factory.ConsoleClientAsync();
        var slug = "corp-" + Guid.NewGuid().ToString("N")[..8];
        const string secret = "provider-secret-that-must-never-show";
        var token = await console.FormTokenAsync("/admin/identity-providers");

        var invalid = await console.PostFormAsync("/admin/identity-providers", token,
            ("slug", "Not A Slug"), ("displayName", "Corp"), ("kind", "google"), ("clientId", "corp-client"), ("clientSecret", secret));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        var refused = await invalid.Content.ReadAsStringAsync();
        Assert.Contains("A slug is 1 to 40 lower-case letters", refused, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, refused, StringComparison.Ordinal);
        Assert.False(await factory.InDbAsync(db => db.IdentityProviders.AnyAsync(p => p.ClientId == "corp-client")));

        var created = await console.PostFormAsync("/admin/identity-providers", token,
            ("slug", slug), ("displayName", "Corp Google"), ("kind", "google"), ("clientId", "corp-client"), ("clientSecret", secret),
            ("trustEmailVerification", "yes"));
        Assert.Equal("/admin/identity-providers?done=provider-created", created.Headers.Location?.OriginalString);
        var provider = await factory.InDbAsync(db => db.IdentityProviders.SingleAsync(p => p.Slug == slug));
        Assert.True(provider.Enabled);
        Assert.True(provider.TrustEmailVerification);
        Assert.DoesNotContain(secret, provider.ProtectedClientSecret, StringComparison.Ordinal);
        var listed = await console.GetStringAsync("/admin/identity-providers");
        Assert.Contains("Corp Google", listed, StringComparison.Ordinal);
        Assert.Contains($"/account/login/external/{slug}/callback", listed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);

        var off = await console.PostFormAsync($"/admin/identity-providers/{provider.Id}/enabled", token, ("enabled", "false"));
        Assert.Equal("/admin/identity-providers?done=provider-disabled", off.Headers.Location?.OriginalString);
        Assert.False(await factory.InDbAsync(db => db.IdentityProviders.Where(p => p.Id == provider.Id).Select(p => p.Enabled).SingleAsync()));

        var page = $"/admin/identity-providers/{provider.Id}/delete";
        var stepUp = await console.PostFormAsync(page, token, ("confirm", "yes"));
        Assert.Equal("/account/reauthenticate?returnUrl=" + Uri.EscapeDataString(page), stepUp.Headers.Location?.OriginalString);
        Assert.True(await factory.InDbAsync(db => db.IdentityProviders.AnyAsync(p => p.Id == provider.Id)));
        await console.ReauthenticateAsync(WardenFactory.AdminPassword);
        Assert.Contains("Delete Corp Google?", await console.GetStringAsync(page), StringComparison.Ordinal);
        var unconfirmed = await console.PostFormAsync(page, token);
        Assert.Equal(HttpStatusCode.OK, unconfirmed.StatusCode);
        Assert.True(await factory.InDbAsync(db => db.IdentityProviders.AnyAsync(p => p.Id == provider.Id)));

        var deleted = await console.PostFormAsync(page, token, ("confirm", "yes"));
        Assert.Equal("/admin/identity-providers?done=provider-deleted", deleted.Headers.Location?.OriginalString);
        Assert.False(await factory.InDbAsync(db => db.IdentityProviders.AnyAsync(p => p.Id == provider.Id)));

        var root = await factory.InDbAsync(db => db.Users.Where(u => u.Email == WardenFactory.AdminEmail).Select(u => u.Id).SingleAsync());
        foreach (var action in new[] { EventTypes.IdentityProviderCreated, EventTypes.IdentityProviderUpdated, EventTypes.IdentityProviderDeleted })
        {
            await factory.EventuallyInDbAsync(
                async db => await db.AuditLog.AnyAsync(e => e.Action == action && e.ActorId == root && e.Details.Contains(provider.Id.ToString())),
                $"{action} is audited with the administrator as actor");
        }
    }

    [Fact]
    public async Task AHelpdeskAdministratorWithoutAdminSystemGets403OnTheIdentityProvidersAndTheirPosts()
    {
        var (helpdesk, _, _) = await factory.HelpdeskClientAsync();
        var token = await helpdesk.FormTokenAsync("/admin/users");

        Assert.Equal(HttpStatusCode.Forbidden, (await helpdesk.GetAsync("/admin/identity-providers")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await helpdesk.PostFormAsync("/admin/identity-providers", token,
            ("slug", "sneaky"), ("displayName", "Sneaky"), ("kind", "google"), ("clientId", "sneaky"), ("clientSecret", "sneaky"))).StatusCode);
        Assert.False(await factory.InDbAsync(db => db.IdentityProviders.AnyAsync(p => p.Slug == "sneaky")));
        Assert.DoesNotContain("/admin/identity-providers", await helpdesk.GetStringAsync("/admin/users"), StringComparison.Ordinal);
    }
}
