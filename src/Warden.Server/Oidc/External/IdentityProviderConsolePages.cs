using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication.External;
using Warden.Server.Authorization;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Pages.Admin;
using Warden.Server.Pages.Layout;

namespace Warden.Server.Oidc.External;

public sealed class IdentityProviderForm
{
    public string? Slug { get; set; }
    public string? DisplayName { get; set; }
    public string? Kind { get; set; }
    public string? DiscoveryUrl { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }

    /// <summary>Separated by spaces; empty for what a sign-in needs.</summary>
    public string? Scopes { get; set; }
    public string? TrustEmailVerification { get; set; }
    public string? Enabled { get; set; }
    public string? Confirm { get; set; }
}

/// <summary>
/// The console's identity providers for external sign-in under <c>/admin/identity-providers</c> (<c>admin:system</c>, as
/// <c>/api/v1/admin/identity-providers</c>): the list with each provider's callback address (what the provider's own
/// console needs), adding one (its client secret goes in once and is never shown again), turning one off and on, and
/// deleting one after a re-authentication and a confirmation — deleting unlinks every identity that came through it.
/// Every action is <see cref="IdentityProviderEndpoints"/>' own use case (validation, outbound guard, events, audit).
/// </summary>
public static class IdentityProviderConsolePages
{
    public static readonly AdminSection Section = new(AdminArea.Home + "/identity-providers", "Admin.Nav.IdentityProviders", PermissionNames.AdminSystem) { Map = Map };

    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/identity-providers", ListAsync);
        AdminConsole.Post(admin, "/identity-providers", CreateAsync);
        AdminConsole.Post(admin, "/identity-providers/{id:guid}/enabled", SetEnabledAsync);
        admin.MapGet("/identity-providers/{id:guid}/delete", ConfirmDeleteAsync);
        AdminConsole.Post(admin, "/identity-providers/{id:guid}/delete", DeleteAsync);
    }

    public static string PathOf(Guid id) => Section.Path + "/" + id;

    public static async Task<IResult> ListAsync(HttpContext http, AdminArea area, WardenDbContext db, Notifications.PublicLinks links, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, Section.Permission);
        return admin is null
            ? refusal!
            : await ListPageAsync(http, area, admin, db, links, new IdentityProviderForm { Kind = IdentityProviderKinds.Oidc }, null, cancellationToken);
    }

    public static async Task<IResult> CreateAsync(
        [FromForm] IdentityProviderForm? posted, HttpContext http, AdminArea area, WardenDbContext db, SecretProtector secrets,
        Notifications.PublicLinks links, IOptions<NetworkOptions> network, TimeProvider time, CancellationToken cancellationToken)
    {
        posted ??= new IdentityProviderForm();
        var (admin, refusal) = await area.EnterAsync(http, Section.Permission, Section.Path);
        if (admin is null)
        {
            return refusal!;
        }

        var request = new CreateIdentityProviderRequest(
            posted.Slug, posted.DisplayName, posted.Kind, string.IsNullOrWhiteSpace(posted.DiscoveryUrl) ? null : posted.DiscoveryUrl, posted.ClientId,
            posted.ClientSecret, (posted.Scopes ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Enabled: true, TrustEmailVerification: posted.TrustEmailVerification == AdminArea.ConfirmValue);
        var result = (await IdentityProviderEndpoints.CreateAsync(request, db, secrets, links, network, time, cancellationToken)).Result;

        // The secret is never put back into the form: a refused form asks for it again.
        posted.ClientSecret = null;
        return result switch
        {
            ValidationProblem invalid => await ListPageAsync(http, area, admin, db, links, posted, invalid.ProblemDetails.Errors, cancellationToken),
            _ => AdminArea.After(result, Section.Path, "provider-created"),
        };
    }

    public static async Task<IResult> SetEnabledAsync(
        Guid id, [FromForm] IdentityProviderForm? posted, HttpContext http, AdminArea area, WardenDbContext db, SecretProtector secrets,
        Notifications.PublicLinks links, TimeProvider time, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, Section.Permission, Section.Path);
        if (admin is null)
        {
            return refusal!;
        }

        var enabled = posted?.Enabled == "true";
        var result = (await IdentityProviderEndpoints.UpdateAsync(id, new UpdateIdentityProviderRequest(null, null, null, null, enabled, null),
            db, secrets, links, time, cancellationToken)).Result;
        return AdminArea.After(result, Section.Path, enabled ? "provider-enabled" : "provider-disabled");
    }

    public static Task<IResult> ConfirmDeleteAsync(Guid id, HttpContext http, AdminArea area, WardenDbContext db, CancellationToken cancellationToken) =>
        area.ConfirmationAsync(http, Section.Permission, $"{PathOf(id)}/delete",
            confirming => ConfirmPageAsync(id, http, area, confirming, db, cancellationToken), cancellationToken);

    public static async Task<IResult> DeleteAsync(
        Guid id, [FromForm] IdentityProviderForm? posted, HttpContext http, AdminArea area, WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var (admin, answer) = await area.BeginDestructiveAsync(
            http, Section.Permission, Section.Path, PathOf(id) + "/delete", posted?.Confirm,
            confirming => ConfirmPageAsync(id, http, area, confirming, db, cancellationToken), cancellationToken);
        if (admin is null)
        {
            return answer!;
        }

        var result = (await IdentityProviderEndpoints.DeleteAsync(id, db, time, cancellationToken)).Result;
        return AdminArea.After(result, Section.Path, "provider-deleted");
    }

    private static async Task<IResult> ConfirmPageAsync(Guid id, HttpContext http, AdminArea area, Administrator admin, WardenDbContext db, CancellationToken cancellationToken)
    {
        if (await db.IdentityProviders.AsNoTracking().Where(p => p.Id == id).Select(p => p.DisplayName).SingleOrDefaultAsync(cancellationToken) is not { } name)
        {
            return area.NotFound(http, admin);
        }

        const string title = "Admin.IdentityProviders.Delete";
        var frame = area.Frame(http, admin, new Breadcrumb("Admin.Nav.IdentityProviders", Section.Path), new Breadcrumb(name, Literal: true), new Breadcrumb(title));
        return AdminArea.Confirm(frame, new AdminConfirmModel(title, area.Text("Admin.IdentityProviders.DeleteText", name), $"{PathOf(id)}/delete", title, Section.Path));
    }

    private static async Task<IResult> ListPageAsync(
        HttpContext http, AdminArea area, Administrator admin, WardenDbContext db, Notifications.PublicLinks links, IdentityProviderForm form,
        IDictionary<string, string[]>? errors, CancellationToken cancellationToken) =>
        AdminArea.Page<IdentityProviderListPage>(area.Frame(http, admin, new Breadcrumb("Admin.Nav.IdentityProviders")), new()
        {
            [nameof(IdentityProviderListPage.Providers)] = (await IdentityProviderEndpoints.ListAsync(db, links, cancellationToken)).Value,
            [nameof(IdentityProviderListPage.Form)] = form,
            [nameof(IdentityProviderListPage.Errors)] = errors ?? new Dictionary<string, string[]>(),
        }, errors is null ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity);
}
