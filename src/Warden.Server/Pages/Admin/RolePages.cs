using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Policies;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages.Layout;

namespace Warden.Server.Pages.Admin;

public sealed class RoleForm
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? Confirm { get; set; }
}

/// <summary>A known permission for the picker: its name and what it is for.</summary>
public sealed record PermissionChoice(string Name, string? Description);

/// <summary>Who holds a role: how many, and the first few by email (shown before a deletion).</summary>
public sealed record RoleHolders(int Count, IReadOnlyList<string> First);

/// <summary>
/// <c>/admin/roles</c>: the roles as <c>GET /api/v1/roles</c> lists them (<c>admin:users</c>), and creating, changing and
/// deleting them through <see cref="Roles"/>' own use cases (<c>admin:system</c>, as those routes): the same escalation,
/// default-role, role-in-use and last-administrator guards, the same events and audit entries. Deleting needs a
/// re-authentication within the window and a confirmation that shows the role's holders first.
/// </summary>
public static class RolePages
{
    public const int HoldersShown = 5;
    private const string PermissionField = "permission";

    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/roles", ListAsync);
        admin.MapGet("/roles/new", NewAsync);
        AdminConsole.Post(admin, "/roles", CreateAsync);
        admin.MapGet("/roles/{id:guid}", EditAsync);
        AdminConsole.Post(admin, "/roles/{id:guid}", UpdateAsync);
        admin.MapGet("/roles/{id:guid}/delete", ConfirmDeleteAsync);
        AdminConsole.Post(admin, "/roles/{id:guid}/delete", DeleteAsync);
    }

    public static string PathOf(Guid id) => AdminSections.Roles.Path + "/" + id;

    public static async Task<IResult> ListAsync(HttpContext http, AdminArea area, AccessPolicy policy, WardenDbContext db, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Roles.Permission);
        if (admin is null)
        {
            return refusal!;
        }

        if ((await Roles.ListAsync(admin.Principal, policy, db, http, cancellationToken)).Result is not Ok<List<RoleView>> { Value: { } roles })
        {
            return area.Forbidden(http, admin);
        }

        return AdminArea.Page<RoleListPage>(area.Frame(http, admin, new Breadcrumb("Admin.Nav.Roles")), new() { [nameof(RoleListPage.Roles)] = roles });
    }

    public static async Task<IResult> NewAsync(HttpContext http, AdminArea area, WardenDbContext db, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, PermissionNames.AdminSystem);
        return admin is null ? refusal! : await FormAsync(http, area, admin, db, null, new RoleForm(), [], null, cancellationToken);
    }

    public static async Task<IResult> CreateAsync(
        [FromForm] RoleForm posted, HttpContext http, AdminArea area, AccessPolicy policy, PermissionService permissions,
        WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, PermissionNames.AdminSystem, AdminSections.Roles.Path + "/new");
        if (admin is null)
        {
            return refusal!;
        }

        var picked = Picked(http);
        var result = (await Roles.CreateAsync(new RoleRequest(posted.Name, posted.Description, picked), admin.Principal, policy, permissions, db, time, http, cancellationToken)).Result;
        return result switch
        {
            Created<RoleView> { Value: { } role } => PageResults.SeeOther(AdminArea.WithFlash(PathOf(role.Id), "done", "role-created")),
            ValidationProblem invalid => await FormAsync(http, area, admin, db, null, posted, picked, invalid.ProblemDetails.Errors, cancellationToken),
            _ => AdminArea.After(result, AdminSections.Roles.Path + "/new", "role-created"),
        };
    }

    public static async Task<IResult> EditAsync(Guid id, HttpContext http, AdminArea area, AccessPolicy policy, WardenDbContext db, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Roles.Permission);
        if (admin is null)
        {
            return refusal!;
        }

        return (await Roles.GetAsync(id, admin.Principal, policy, db, http, cancellationToken)).Result switch
        {
            Ok<RoleView> { Value: { } role } => await FormAsync(http, area, admin, db, role,
                new RoleForm { Name = role.Name, Description = role.Description }, [.. role.Permissions], null, cancellationToken),
            ProblemHttpResult { StatusCode: StatusCodes.Status404NotFound } => area.NotFound(http, admin),
            _ => area.Forbidden(http, admin),
        };
    }

    public static async Task<IResult> UpdateAsync(
        Guid id, [FromForm] RoleForm posted, HttpContext http, AdminArea area, AccessPolicy policy, PermissionService permissions,
        WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var page = PathOf(id);
        var (admin, refusal) = await area.EnterAsync(http, PermissionNames.AdminSystem, page);
        if (admin is null)
        {
            return refusal!;
        }

        var picked = Picked(http);
        var result = (await Roles.UpdateAsync(id, new RoleRequest(posted.Name, posted.Description, picked), admin.Principal, policy, permissions, db, time, http, cancellationToken)).Result;
        if (result is ValidationProblem invalid && await Roles.GetAsync(id, admin.Principal, policy, db, http, cancellationToken) is { Result: Ok<RoleView> { Value: { } role } })
        {
            return await FormAsync(http, area, admin, db, role, posted, picked, invalid.ProblemDetails.Errors, cancellationToken);
        }

        return AdminArea.After(result, page, "role-updated");
    }

    /// <summary>The confirmation as a page of its own: where the re-authentication comes back to.</summary>
    public static Task<IResult> ConfirmDeleteAsync(Guid id, HttpContext http, AdminArea area, WardenDbContext db, CancellationToken cancellationToken) =>
        area.ConfirmationAsync(http, PermissionNames.AdminSystem, PathOf(id) + "/delete",
            confirming => ConfirmPageAsync(id, http, area, confirming, db, cancellationToken), cancellationToken);

    public static async Task<IResult> DeleteAsync(
        Guid id, [FromForm] RoleForm? posted, HttpContext http, AdminArea area, AccessPolicy policy, PermissionService permissions,
        WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var (admin, answer) = await area.BeginDestructiveAsync(
            http, PermissionNames.AdminSystem, PathOf(id), PathOf(id) + "/delete", posted?.Confirm,
            confirming => ConfirmPageAsync(id, http, area, confirming, db, cancellationToken), cancellationToken);
        if (admin is null)
        {
            return answer!;
        }

        var result = (await Roles.DeleteAsync(id, admin.Principal, policy, permissions, db, time, http, cancellationToken)).Result;
        return AdminArea.ProblemCode(result) is null
            ? PageResults.SeeOther(AdminArea.WithFlash(AdminSections.Roles.Path, "done", "role-deleted"))
            : AdminArea.After(result, PathOf(id), "role-deleted");
    }

    public static async Task<RoleHolders> HoldersAsync(WardenDbContext db, Guid roleId, CancellationToken cancellationToken)
    {
        var holders = db.UserRoles.AsNoTracking().Where(ur => ur.RoleId == roleId);
        var first = await holders.Join(db.Users, ur => ur.UserId, u => u.Id, (_, u) => u.Email)
            .Where(e => e != null).OrderBy(e => e).Take(HoldersShown).ToListAsync(cancellationToken);
        return new RoleHolders(await holders.CountAsync(cancellationToken), [.. first.OfType<string>()]);
    }

    private static async Task<IResult> ConfirmPageAsync(
        Guid id, HttpContext http, AdminArea area, Administrator admin, WardenDbContext db, CancellationToken cancellationToken)
    {
        if (await db.Roles.AsNoTracking().Where(r => r.Id == id).Select(r => r.Name).SingleOrDefaultAsync(cancellationToken) is not { } name)
        {
            return area.NotFound(http, admin);
        }

        var holders = await HoldersAsync(db, id, cancellationToken);
        var text = holders.Count == 0
            ? area.Text("Admin.Roles.DeleteText", name)
            : area.Text("Admin.Roles.DeleteHeld", name, holders.Count, string.Join(", ", holders.First));
        var frame = area.Frame(http, admin, new Breadcrumb("Admin.Nav.Roles", AdminSections.Roles.Path), new Breadcrumb(name, PathOf(id), Literal: true),
            new Breadcrumb("Admin.Roles.Delete"));
        return AdminArea.Confirm(frame, new AdminConfirmModel("Admin.Roles.Delete", text, PathOf(id) + "/delete", "Admin.Roles.Delete", PathOf(id)));
    }

    private static async Task<IResult> FormAsync(
        HttpContext http, AdminArea area, Administrator admin, WardenDbContext db, RoleView? role, RoleForm form, IReadOnlyCollection<string> picked,
        IDictionary<string, string[]>? errors, CancellationToken cancellationToken)
    {
        var choices = await db.Permissions.AsNoTracking().OrderBy(p => p.Name).Select(p => new PermissionChoice(p.Name, p.Description)).ToListAsync(cancellationToken);
        var trail = role is null
            ? new[] { new Breadcrumb("Admin.Nav.Roles", AdminSections.Roles.Path), new Breadcrumb("Admin.Roles.New") }
            : [new Breadcrumb("Admin.Nav.Roles", AdminSections.Roles.Path), new Breadcrumb(role.Name, Literal: true)];
        return AdminArea.Page<RoleEditPage>(area.Frame(http, admin, trail), new()
        {
            [nameof(RoleEditPage.Role)] = role,
            [nameof(RoleEditPage.Form)] = form,
            [nameof(RoleEditPage.Picked)] = picked.ToHashSet(StringComparer.Ordinal),
            [nameof(RoleEditPage.Choices)] = choices,
            [nameof(RoleEditPage.Errors)] = errors ?? new Dictionary<string, string[]>(),
            [nameof(RoleEditPage.Holders)] = role is null ? null : await HoldersAsync(db, role.Id, cancellationToken),
        }, errors is null ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity);
    }

    private static List<string> Picked(HttpContext http) =>
        [.. http.Request.Form[PermissionField].OfType<string>().Where(p => p.Length > 0).Distinct(StringComparer.Ordinal)];
}
