using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using Warden.Server.Authorization;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages.Admin;

namespace Warden.Server.Oidc;

public sealed class ApiScopeForm
{
    public string? Name { get; set; }
    public string? DisplayName { get; set; }

    /// <summary>Separated by spaces or lines.</summary>
    public string? Resources { get; set; }
    public string? Confirm { get; set; }
}

/// <summary>
/// The console's API scopes under <c>/admin/scopes</c> (<c>admin:system</c>, as <c>/api/v1/admin/scopes</c>): the list
/// with each scope's audiences, registering one, and deleting one after a re-authentication within the window and a
/// confirmation (a scope still granted to a client is refused, naming the clients). Every action is
/// <see cref="ApiScopeEndpoints"/>' own use case (validation, events, audit entries).
/// </summary>
public static class ApiScopeConsolePages
{
    public static readonly AdminSection Section = new(AdminArea.Home + "/scopes", "Admin.Nav.Scopes", PermissionNames.AdminSystem) { Map = Map };

    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/scopes", ListAsync);
        AdminConsole.Post(admin, "/scopes", CreateAsync);
        admin.MapGet("/scopes/{id:guid}/delete", ConfirmDeleteAsync);
        AdminConsole.Post(admin, "/scopes/{id:guid}/delete", DeleteAsync);
    }

    public static string DeletePath(Guid id) => $"{Section.Path}/{id}/delete";

    public static async Task<IResult> ListAsync(HttpContext http, AdminArea area, WardenDbContext db, IOpenIddictScopeManager scopes, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, Section.Permission);
        return admin is null ? refusal! : await PageAsync(http, area, admin, db, scopes, new ApiScopeForm(), null, null, cancellationToken);
    }

    public static async Task<IResult> CreateAsync(
        [FromForm] ApiScopeForm? posted, HttpContext http, AdminArea area, WardenDbContext db, IOpenIddictScopeManager scopes, TimeProvider time,
        CancellationToken cancellationToken)
    {
        posted ??= new ApiScopeForm();
        var (admin, refusal) = await area.EnterAsync(http, Section.Permission, Section.Path);
        if (admin is null)
        {
            return refusal!;
        }

        var request = new CreateApiScopeRequest(posted.Name, posted.DisplayName,
            (posted.Resources ?? "").Split([' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
        var result = (await ApiScopeEndpoints.CreateAsync(request, db, scopes, time, cancellationToken)).Result;
        return result is ValidationProblem invalid
            ? await PageAsync(http, area, admin, db, scopes, posted, invalid.ProblemDetails.Errors, null, cancellationToken)
            : AdminArea.After(result, Section.Path, "scope-created");
    }

    public static Task<IResult> ConfirmDeleteAsync(Guid id, HttpContext http, AdminArea area, WardenDbContext db, CancellationToken cancellationToken) =>
        area.ConfirmationAsync(http, Section.Permission, DeletePath(id),
            confirming => ConfirmPageAsync(id, http, area, confirming, db, cancellationToken), cancellationToken);

    public static async Task<IResult> DeleteAsync(
        Guid id, [FromForm] ApiScopeForm? posted, HttpContext http, AdminArea area, WardenDbContext db, IOpenIddictScopeManager scopes,
        IOpenIddictApplicationManager applications, TimeProvider time, CancellationToken cancellationToken)
    {
        var (admin, answer) = await area.BeginDestructiveAsync(
            http, Section.Permission, Section.Path, DeletePath(id), posted?.Confirm,
            confirming => ConfirmPageAsync(id, http, area, confirming, db, cancellationToken), cancellationToken);
        if (admin is null)
        {
            return answer!;
        }

        var result = (await ApiScopeEndpoints.DeleteAsync(id, db, scopes, applications, time, cancellationToken)).Result;
        // A refusal says why (the built-in scope, the clients still granted it): the administrator acts on that next.
        return result is ProblemHttpResult { StatusCode: StatusCodes.Status409Conflict } conflict
            ? await PageAsync(http, area, admin, db, scopes, new ApiScopeForm(), null, conflict.ProblemDetails.Detail ?? conflict.ProblemDetails.Title, cancellationToken)
            : AdminArea.After(result, Section.Path, "scope-deleted");
    }

    private static async Task<IResult> ConfirmPageAsync(Guid id, HttpContext http, AdminArea area, Administrator admin, WardenDbContext db, CancellationToken cancellationToken)
    {
        if (await db.OidcScopes.AsNoTracking().Where(s => s.Id == id).Select(s => s.Name).SingleOrDefaultAsync(cancellationToken) is not { } name)
        {
            return area.NotFound(http, admin);
        }

        var frame = area.Frame(http, admin, new Breadcrumb("Admin.Nav.Scopes", Section.Path), new Breadcrumb("Admin.Scopes.Delete"));
        return AdminArea.Confirm(frame, new AdminConfirmModel("Admin.Scopes.Delete", area.Text("Admin.Scopes.DeleteText", name), DeletePath(id),
            "Admin.Scopes.Delete", Section.Path));
    }

    private static async Task<IResult> PageAsync(
        HttpContext http, AdminArea area, Administrator admin, WardenDbContext db, IOpenIddictScopeManager scopes, ApiScopeForm form,
        IDictionary<string, string[]>? errors, string? refused, CancellationToken cancellationToken) =>
        AdminArea.Page<ApiScopeListPage>(area.Frame(http, admin, new Breadcrumb("Admin.Nav.Scopes")), new()
        {
            [nameof(ApiScopeListPage.Scopes)] = (await ApiScopeEndpoints.ListAsync(db, scopes, cancellationToken)).Value,
            [nameof(ApiScopeListPage.Form)] = form,
            [nameof(ApiScopeListPage.Errors)] = errors ?? new Dictionary<string, string[]>(),
            [nameof(ApiScopeListPage.Refused)] = refused,
        }, refused is not null ? StatusCodes.Status409Conflict : errors is null ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity);
}
