using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using Warden.Server.Authorization;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages.Admin;
using Warden.Server.Pages.Layout;

namespace Warden.Server.Oidc;

public sealed class ClientForm
{
    public string? ClientId { get; set; }
    public string? DisplayName { get; set; }
    public string? Type { get; set; }

    /// <summary>One URI a line.</summary>
    public string? RedirectUris { get; set; }
    public string? PostLogoutRedirectUris { get; set; }

    /// <summary>Separated by spaces.</summary>
    public string? Scopes { get; set; }
    public string? FirstParty { get; set; }
    public string? Confirm { get; set; }
}

/// <summary>
/// The console's OpenID Connect clients under <c>/admin/clients</c> (<c>admin:system</c>, as <c>/api/v1/admin/clients</c>):
/// the list, registering one (a confidential client's secret shown on the answer page only), rotating a secret and
/// deleting a client — both after a re-authentication within the window and a confirmation, since either cuts off the
/// client at once. Every action is <see cref="ClientEndpoints"/>' own use case (validation, events, audit entries).
/// A section of the console registered from this layer (above Pages): <see cref="Section"/> carries its routes.
/// </summary>
public static class ClientConsolePages
{
    public static readonly AdminSection Section = new(AdminArea.Home + "/clients", "Admin.Nav.Clients", PermissionNames.AdminSystem) { Map = Map };

    private const string GrantField = "grantType";

    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/clients", ListAsync);
        AdminConsole.Post(admin, "/clients", CreateAsync);
        admin.MapGet("/clients/{id:guid}", ShowAsync);
        admin.MapGet("/clients/{id:guid}/secret", ConfirmRotateAsync);
        AdminConsole.Post(admin, "/clients/{id:guid}/secret", RotateAsync);
        admin.MapGet("/clients/{id:guid}/delete", ConfirmDeleteAsync);
        AdminConsole.Post(admin, "/clients/{id:guid}/delete", DeleteAsync);
    }

    public static string PathOf(Guid id) => Section.Path + "/" + id;

    public static async Task<IResult> ListAsync(HttpContext http, AdminArea area, WardenDbContext db, IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, Section.Permission);
        return admin is null
            ? refusal!
            : await ListPageAsync(http, area, admin, db, applications, new ClientForm { Type = "confidential", FirstParty = AdminArea.ConfirmValue, Scopes = "openid profile email" },
                [OpenIddictConstants.GrantTypes.AuthorizationCode, OpenIddictConstants.GrantTypes.RefreshToken], null, cancellationToken);
    }

    public static async Task<IResult> CreateAsync(
        [FromForm] ClientForm? posted, HttpContext http, AdminArea area, WardenDbContext db, IOpenIddictApplicationManager applications,
        IOpenIddictScopeManager scopes, TimeProvider time, CancellationToken cancellationToken)
    {
        posted ??= new ClientForm();
        var (admin, refusal) = await area.EnterAsync(http, Section.Permission, Section.Path);
        if (admin is null)
        {
            return refusal!;
        }

        var grants = http.Request.Form[GrantField].OfType<string>().Where(g => g.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var request = new CreateClientRequest(
            string.IsNullOrWhiteSpace(posted.ClientId) ? null : posted.ClientId, string.IsNullOrWhiteSpace(posted.DisplayName) ? null : posted.DisplayName.Trim(),
            posted.Type, Lines(posted.RedirectUris), Lines(posted.PostLogoutRedirectUris), grants,
            (posted.Scopes ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), posted.FirstParty == AdminArea.ConfirmValue, null, null);
        var result = (await ClientEndpoints.CreateAsync(request, db, applications, scopes, time, cancellationToken)).Result;
        return result switch
        {
            Created<ClientWithSecret> { Value: { ClientSecret: { } secret } created } => SecretPage(http, area, admin, created.Client, "Admin.Clients.Created", secret),
            Created<ClientWithSecret> { Value: { } created } => PageResults.SeeOther(AdminArea.WithFlash(PathOf(created.Client.Id), "done", "client-created")),
            ValidationProblem invalid => await ListPageAsync(http, area, admin, db, applications, posted, grants, invalid.ProblemDetails.Errors, cancellationToken),
            _ => AdminArea.After(result, Section.Path, "client-created"),
        };
    }

    public static async Task<IResult> ShowAsync(Guid id, HttpContext http, AdminArea area, WardenDbContext db, IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, Section.Permission);
        if (admin is null)
        {
            return refusal!;
        }

        if ((await ClientEndpoints.ListAsync(db, applications, cancellationToken)).Value!.SingleOrDefault(c => c.Id == id) is not { } client)
        {
            return area.NotFound(http, admin);
        }

        var frame = area.Frame(http, admin, new Breadcrumb("Admin.Nav.Clients", Section.Path), new Breadcrumb(client.ClientId, Literal: true));
        return AdminArea.Page<ClientPage>(frame, new() { [nameof(ClientPage.Client)] = client });
    }

    public static Task<IResult> ConfirmRotateAsync(Guid id, HttpContext http, AdminArea area, WardenDbContext db, CancellationToken cancellationToken) =>
        ConfirmAsync(id, "secret", http, area, db, cancellationToken);

    public static Task<IResult> ConfirmDeleteAsync(Guid id, HttpContext http, AdminArea area, WardenDbContext db, CancellationToken cancellationToken) =>
        ConfirmAsync(id, "delete", http, area, db, cancellationToken);

    public static async Task<IResult> RotateAsync(
        Guid id, [FromForm] ClientForm? posted, HttpContext http, AdminArea area, WardenDbContext db, IOpenIddictApplicationManager applications,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var (admin, answer) = await area.BeginDestructiveAsync(
            http, Section.Permission, PathOf(id), PathOf(id) + "/secret", posted?.Confirm,
            confirming => ConfirmPageAsync(id, "secret", http, area, confirming, db, cancellationToken), cancellationToken);
        if (admin is null)
        {
            return answer!;
        }

        var result = (await ClientEndpoints.RotateSecretAsync(id, db, applications, time, cancellationToken)).Result;
        return result is Ok<ClientWithSecret> { Value: { ClientSecret: { } secret } rotated }
            ? SecretPage(http, area, admin, rotated.Client, "Admin.Clients.Rotated", secret)
            : AdminArea.After(result, PathOf(id), "client-rotated");
    }

    public static async Task<IResult> DeleteAsync(
        Guid id, [FromForm] ClientForm? posted, HttpContext http, AdminArea area, WardenDbContext db, IOpenIddictApplicationManager applications,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var (admin, answer) = await area.BeginDestructiveAsync(
            http, Section.Permission, PathOf(id), PathOf(id) + "/delete", posted?.Confirm,
            confirming => ConfirmPageAsync(id, "delete", http, area, confirming, db, cancellationToken), cancellationToken);
        if (admin is null)
        {
            return answer!;
        }

        var result = (await ClientEndpoints.DeleteAsync(id, db, applications, time, cancellationToken)).Result;
        return AdminArea.ProblemCode(result) is null
            ? PageResults.SeeOther(AdminArea.WithFlash(Section.Path, "done", "client-deleted"))
            : AdminArea.After(result, PathOf(id), "client-deleted");
    }

    private static Task<IResult> ConfirmAsync(Guid id, string operation, HttpContext http, AdminArea area, WardenDbContext db, CancellationToken cancellationToken) =>
        area.ConfirmationAsync(http, Section.Permission, $"{PathOf(id)}/{operation}",
            confirming => ConfirmPageAsync(id, operation, http, area, confirming, db, cancellationToken), cancellationToken);

    private static async Task<IResult> ConfirmPageAsync(
        Guid id, string operation, HttpContext http, AdminArea area, Administrator admin, WardenDbContext db, CancellationToken cancellationToken)
    {
        if (await db.OidcApplications.AsNoTracking().Where(a => a.Id == id).Select(a => a.ClientId).SingleOrDefaultAsync(cancellationToken) is not { } clientId)
        {
            return area.NotFound(http, admin);
        }

        var (title, text) = operation == "secret" ? ("Admin.Clients.Rotate", "Admin.Clients.RotateText") : ("Admin.Clients.Delete", "Admin.Clients.DeleteText");
        var frame = area.Frame(http, admin, new Breadcrumb("Admin.Nav.Clients", Section.Path), new Breadcrumb(clientId, PathOf(id), Literal: true), new Breadcrumb(title));
        return AdminArea.Confirm(frame, new AdminConfirmModel(title, area.Text(text, clientId), $"{PathOf(id)}/{operation}", title, PathOf(id)));
    }

    /// <summary>The only time a client secret is shown: on the answer to the post that made it (no-store, as every page).</summary>
    private static RazorComponentResult SecretPage(HttpContext http, AdminArea area, Administrator admin, ClientView client, string title, string secret) =>
        AdminArea.Page<AdminSecretPage>(
            area.Frame(http, admin, new Breadcrumb("Admin.Nav.Clients", Section.Path), new Breadcrumb(client.ClientId, PathOf(client.Id), Literal: true)),
            new()
            {
                [nameof(AdminSecretPage.Title)] = title,
                [nameof(AdminSecretPage.Text)] = "Admin.Clients.SecretText",
                [nameof(AdminSecretPage.Secret)] = secret,
                [nameof(AdminSecretPage.Next)] = PathOf(client.Id),
            });

    private static async Task<IResult> ListPageAsync(
        HttpContext http, AdminArea area, Administrator admin, WardenDbContext db, IOpenIddictApplicationManager applications, ClientForm form,
        IReadOnlyCollection<string> grants, IDictionary<string, string[]>? errors, CancellationToken cancellationToken) =>
        AdminArea.Page<ClientListPage>(area.Frame(http, admin, new Breadcrumb("Admin.Nav.Clients")), new()
        {
            [nameof(ClientListPage.Clients)] = (await ClientEndpoints.ListAsync(db, applications, cancellationToken)).Value,
            [nameof(ClientListPage.Form)] = form,
            [nameof(ClientListPage.Grants)] = grants.ToHashSet(StringComparer.Ordinal),
            [nameof(ClientListPage.Errors)] = errors ?? new Dictionary<string, string[]>(),
        }, errors is null ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity);

    private static List<string> Lines(string? value) =>
        [.. (value ?? "").Split(['\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
