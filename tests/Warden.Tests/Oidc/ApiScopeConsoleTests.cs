using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using Warden.Server.Events;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Warden.Tests.Pages;
using Warden.Tests.Pages.Admin;

namespace Warden.Tests.Oidc;

/// <summary>
/// The console's API scopes without a browser (so without JavaScript): registered through the API's own checks,
/// deleted after a step-up and a confirmation, refused while a client holds the scope, closed to a helpdesk administrator.
/// </summary>
[SqliteOnly]
[Collection(AdminConsoleCollection.Name)]
public sealed class ApiScopeConsoleTests(AdminConsoleServer factory)
{
    [Fact]
    public async Task AnApiScopeIsRegisteredAndDeletedAfterAStepUpAndAConfirmationOnlyOnceNoClientHoldsIt()
    {
        var console = await factory.ConsoleClientAsync();
        var name = "console-" + Guid.NewGuid().ToString("N")[..8];
        var token = await console.FormTokenAsync("/admin/scopes");

        var invalid = await console.PostFormAsync("/admin/scopes", token, ("name", "openid"), ("resources", "console-api"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        Assert.Contains("is a built-in scope", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var created = await console.PostFormAsync("/admin/scopes", token, ("name", name), ("displayName", "Console API"), ("resources", "console-api https://console.example.com"));
        Assert.Equal("/admin/scopes?done=scope-created", created.Headers.Location?.OriginalString);
        var id = await factory.InDbAsync(db => db.OidcScopes.Where(s => s.Name == name).Select(s => s.Id).SingleAsync());
        var wardenScope = await factory.InDbAsync(db => db.OidcScopes.Where(s => s.Name == "warden").Select(s => s.Id).SingleAsync());
        var listed = await console.GetStringAsync("/admin/scopes");
        Assert.Contains("console-api https://console.example.com", listed, StringComparison.Ordinal);
        Assert.Contains($"/admin/scopes/{id}/delete", listed, StringComparison.Ordinal);
        Assert.DoesNotContain($"/admin/scopes/{wardenScope}/delete", listed, StringComparison.Ordinal);

        var page = $"/admin/scopes/{id}/delete";
        var stepUp = await console.PostFormAsync(page, token, ("confirm", "yes"));
        Assert.Equal("/account/reauthenticate?returnUrl=" + Uri.EscapeDataString(page), stepUp.Headers.Location?.OriginalString);
        await console.ReauthenticateAsync(WardenFactory.AdminPassword);
        Assert.Contains($"Delete the API scope {name}?", await console.GetStringAsync(page), StringComparison.Ordinal);

        var clientId = await factory.RegisterClientAsync(scopes: [name]);
        var held = await console.PostFormAsync(page, token, ("confirm", "yes"));
        Assert.Equal(HttpStatusCode.Conflict, held.StatusCode);
        Assert.Contains(clientId, await held.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await factory.InScopeAsync(async services =>
        {
            var applications = services.GetRequiredService<IOpenIddictApplicationManager>();
            await applications.DeleteAsync((await applications.FindByClientIdAsync(clientId))!);
        });
        var deleted = await console.PostFormAsync(page, token, ("confirm", "yes"));
        Assert.Equal("/admin/scopes?done=scope-deleted", deleted.Headers.Location?.OriginalString);
        Assert.False(await factory.InDbAsync(db => db.OidcScopes.AnyAsync(s => s.Id == id)));

        var root = await factory.InDbAsync(db => db.Users.Where(u => u.Email == WardenFactory.AdminEmail).Select(u => u.Id).SingleAsync());
        foreach (var action in new[] { EventTypes.OidcScopeCreated, EventTypes.OidcScopeDeleted })
        {
            await factory.EventuallyInDbAsync(
                async db => await db.AuditLog.AnyAsync(e => e.Action == action && e.ActorId == root && e.Details.Contains(id.ToString())),
                $"{action} is audited with the administrator as actor");
        }
    }

    [Fact]
    public async Task AHelpdeskAdministratorWithoutAdminSystemGets403OnTheApiScopesAndTheirPosts()
    {
        var (helpdesk, _, _) = await factory.HelpdeskClientAsync();
        var token = await helpdesk.FormTokenAsync("/admin/users");

        Assert.Equal(HttpStatusCode.Forbidden, (await helpdesk.GetAsync("/admin/scopes")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await helpdesk.PostFormAsync("/admin/scopes", token, ("name", "sneaky"), ("resources", "sneaky-api"))).StatusCode);
        Assert.False(await factory.InDbAsync(db => db.OidcScopes.AnyAsync(s => s.Name == "sneaky")));
    }
}
