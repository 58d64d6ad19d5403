using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Administration;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Policies;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages.Layout;

namespace Warden.Server.Pages.Admin;

public sealed class BulkForm
{
    public string? Search { get; set; }
    public string? Status { get; set; }
    public string? Role { get; set; }
    public string? TwoFactor { get; set; }
    public string? From { get; set; }
    public string? To { get; set; }
    public string? Sort { get; set; }
    public string[]? Ids { get; set; }
    public string? Operation { get; set; }
    public string? Grant { get; set; }
    public string? Scope { get; set; }
    public string? Confirm { get; set; }

    public UserListQuery Query => new(Search, Status, Role, TwoFactor, From, To, Sort);
}

/// <summary>
/// <c>/admin/users</c>: the admin API's user list (<see cref="ListUsers"/>, the same search, filters, sorts and sealed
/// keyset cursor) and bulk actions over the selected users or every user the filters match — each user through the
/// API's own use case (<see cref="ChangeUserStatus"/>, <see cref="UserAccessActions"/>, <see cref="UserRoles"/>), so the
/// guards hold per user and each change is audited with the administrator as actor.
/// </summary>
public static class UserListPages
{
    public const int PageSize = 25;

    /// <summary>A bulk action acts on at most this many users; a larger filtered set is refused whole.</summary>
    public const int BulkLimit = 500;

    public static readonly IReadOnlyList<string> Operations = ["suspend", "signout", "addrole"];

    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/users", ListAsync);
        AdminConsole.Post(admin, "/users/bulk", BulkAsync);
    }

    public static async Task<IResult> ListAsync(
        HttpContext http, AdminArea area, AccessPolicy policy, WardenDbContext db, IDataProtectionProvider protection, IOptions<AdministrationOptions> options,
        CancellationToken cancellationToken, string? search = null, string? status = null, string? role = null, string? twoFactor = null,
        string? from = null, string? to = null, string? sort = null, string? cursor = null)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Users.Permission);
        if (admin is null)
        {
            return refusal!;
        }

        var query = new UserListQuery(search, status, role, twoFactor, from, to, sort);
        var (typedTwoFactor, createdFrom, createdTo, errors) = query.Typed(area.Text);
        AdminUserPage? page = null;
        if (errors.Count == 0)
        {
            var result = (await ListUsers.HandleAsync(admin.Principal, policy, db, protection, options, http, cancellationToken,
                cursor, PageSize, search, status, role, sort, null, typedTwoFactor, createdFrom, createdTo)).Result;
            switch (result)
            {
                case Ok<AdminUserPage> ok:
                    page = ok.Value;
                    break;
                case ValidationProblem invalid:
                    errors = new(invalid.ProblemDetails.Errors);
                    break;
                default:
                    return area.Forbidden(http, admin);
            }
        }

        return AdminArea.Page<UserListPage>(area.Frame(http, admin, new Breadcrumb(AdminSections.Users.Label)), new()
        {
            [nameof(UserListPage.Query)] = query,
            [nameof(UserListPage.Result)] = page,
            [nameof(UserListPage.Errors)] = errors,
            [nameof(UserListPage.Continued)] = !string.IsNullOrEmpty(cursor),
            [nameof(UserListPage.Roles)] = await RoleNamesAsync(db, cancellationToken),
        }, errors.Count > 0 ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status200OK);
    }

    public static async Task<IResult> BulkAsync(
        [FromForm] BulkForm posted, HttpContext http, AdminArea area, AccessPolicy policy, PermissionService permissions, SessionRevocation revocation,
        WardenDbContext db, IDataProtectionProvider protection, IOptions<AdministrationOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var back = posted.Query.Url();
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Users.Permission, back);
        if (admin is null)
        {
            return refusal!;
        }

        if (posted.Operation is not { } operation || !Operations.Contains(operation) || (operation == "addrole" && string.IsNullOrWhiteSpace(posted.Grant)))
        {
            return PageResults.SeeOther(AdminArea.WithFlash(back, "problem", "bulk_incomplete"));
        }

        if (await area.StepUpAsync(admin, back, cancellationToken) is { } stepUp)
        {
            return stepUp;
        }

        // What is confirmed is what is done: the confirmation carries the users it named.
        List<Guid>? ids = posted.Scope == "filtered" && !AdminArea.Confirmed(posted.Confirm)
            ? await MatchingAsync(posted.Query, admin, area, policy, db, protection, options, http, cancellationToken)
            : [.. (posted.Ids ?? []).Select(s => Guid.TryParse(s, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).Distinct().Take(BulkLimit + 1)];
        if (ids is null || ids.Count > BulkLimit)
        {
            return PageResults.SeeOther(AdminArea.WithFlash(back, "problem", "bulk_too_many"));
        }

        if (ids.Count == 0)
        {
            return PageResults.SeeOther(AdminArea.WithFlash(back, "problem", "bulk_none"));
        }

        if (!AdminArea.Confirmed(posted.Confirm))
        {
            var hidden = posted.Query.Fields().Select(f => f)
                .Append(new("operation", operation))
                .Concat(operation == "addrole" ? [new("grant", posted.Grant!.Trim())] : Array.Empty<KeyValuePair<string, string>>())
                .Concat(ids.Select(id => new KeyValuePair<string, string>("ids", id.ToString())));
            return AdminArea.Confirm(area.Frame(http, admin, new Breadcrumb(AdminSections.Users.Label, back), new Breadcrumb("Admin.Bulk.Title")),
                new AdminConfirmModel("Admin.Bulk.Title", area.Text("Admin.Bulk.Confirm." + operation, ids.Count, posted.Grant?.Trim()),
                    AdminSections.Users.Path + "/bulk", "Admin.Bulk.Submit." + operation, back) { Hidden = hidden });
        }

        int done = 0, failed = 0;
        foreach (var id in ids)
        {
            object result = operation switch
            {
                "suspend" => (await ChangeUserStatus.HandleAsync(id, new StatusRequest("suspended"), admin.Principal, policy, permissions, revocation, db, time, http, cancellationToken)).Result,
                "signout" => (await UserAccessActions.RevokeSessionsAsync(id, admin.Principal, policy, revocation, db, http, cancellationToken)).Result,
                _ => (await UserRoles.AssignAsync(id, new AssignRoleRequest(posted.Grant), admin.Principal, policy, permissions, db, time, http, cancellationToken)).Result,
            };

            // A refused user leaves nothing tracked behind for the next one's save (the use case rolled its transaction back).
            db.ChangeTracker.Clear();
            _ = AdminArea.ProblemCode(result) is null ? done++ : failed++;
        }

        return PageResults.SeeOther(back + (back.Contains('?', StringComparison.Ordinal) ? "&" : "?") + $"done=bulk-{operation}&n={done}&failed={failed}");
    }

    /// <summary>Every user the filters match, through the list's own pages; null when more than <see cref="BulkLimit"/>.</summary>
    private static async Task<List<Guid>?> MatchingAsync(
        UserListQuery query, Administrator admin, AdminArea area, AccessPolicy policy, WardenDbContext db, IDataProtectionProvider protection,
        IOptions<AdministrationOptions> options, HttpContext http, CancellationToken cancellationToken)
    {
        var (twoFactor, from, to, errors) = query.Typed(area.Text);
        if (errors.Count > 0)
        {
            return [];
        }

        var ids = new List<Guid>();
        string? cursor = null;
        do
        {
            if ((await ListUsers.HandleAsync(admin.Principal, policy, db, protection, options, http, cancellationToken,
                    cursor, ListUsers.MaxSize, query.Search, query.Status, query.Role, query.Sort, null, twoFactor, from, to)).Result is not Ok<AdminUserPage> { Value: { } page })
            {
                return [];
            }

            ids.AddRange(page.Items.Select(u => u.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null && ids.Count <= BulkLimit);

        return ids.Count > BulkLimit ? null : ids;
    }

    public static Task<List<string>> RoleNamesAsync(WardenDbContext db, CancellationToken cancellationToken) =>
        db.Roles.AsNoTracking().OrderBy(r => r.Name).Select(r => r.Name!).ToListAsync(cancellationToken);
}
