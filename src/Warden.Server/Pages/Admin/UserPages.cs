using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Administration;
using Warden.Server.Audit;
using Warden.Server.Authentication.Login;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authentication.TwoFactor;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Policies;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages.Layout;
using Warden.Server.Privacy;

namespace Warden.Server.Pages.Admin;

public sealed class UserActionForm
{
    public string? Operation { get; set; }
    public string? Role { get; set; }
    public string? Session { get; set; }
    public string? Confirm { get; set; }
    public string? Typed { get; set; }
}

/// <summary>The users the page lists beside the audit trail: who acted (by id) and their address, when they still have one.</summary>
public sealed record AuditTrail(IReadOnlyList<AuditEntryView> Entries, int Total, IReadOnlyDictionary<Guid, string> Emails);

/// <summary>
/// <c>/admin/users/{id}</c>: one user as <c>GET /api/v1/admin/users/{id}</c> shows them, with that user's audit trail,
/// and every action on them through the admin API's own use case. Destructive ones (suspend, sign out, end a session,
/// reset two-step sign-in, take a role, erase) need a re-authentication within the window and a confirmation; the
/// erasure also the user's email typed again. Resending the verification email or the invitation, and the export of the
/// user's data (answered as the download itself), need neither.
/// </summary>
public static class UserPages
{
    public const int TrailSize = 20;

    public static readonly IReadOnlySet<string> Destructive = new HashSet<string>(StringComparer.Ordinal)
        { "suspend", "signout", "revoke-session", "reset-2fa", "remove-role", "erase" };

    public static readonly IReadOnlySet<string> Operations = new HashSet<string>(
        Destructive.Concat(["activate", "unlock", "add-role", "resend-verification", "resend-invitation", "export"]), StringComparer.Ordinal);

    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/users/{id:guid}", ShowAsync);
        admin.MapGet("/users/{id:guid}/confirm", ConfirmAsync);
        AdminConsole.Post(admin, "/users/{id:guid}", ActAsync);
    }

    public static string PathOf(Guid id) => AdminSections.Users.Path + "/" + id;

    public static async Task<IResult> ShowAsync(
        Guid id, HttpContext http, AdminArea area, AccessPolicy policy, WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Users.Permission);
        if (admin is null)
        {
            return refusal!;
        }

        switch ((await UserDetails.HandleAsync(id, admin.Principal, policy, db, time, http, cancellationToken)).Result)
        {
            case Ok<AdminUserDetails> { Value: { } details }:
                var trail = (await AuditEndpoints.ListAsync(db, cancellationToken, userId: id.ToString(), size: TrailSize.ToString(System.Globalization.CultureInfo.InvariantCulture))).Result
                    is Ok<AuditPage> { Value: { } page } ? page : new AuditPage([], 1, TrailSize, 0);
                var actorIds = trail.Items.Select(e => e.ActorId).OfType<Guid>().Distinct().ToList();
                var emails = await db.Users.AsNoTracking().Where(u => actorIds.Contains(u.Id) && u.Email != null)
                    .ToDictionaryAsync(u => u.Id, u => u.Email!, cancellationToken);
                return AdminArea.Page<UserPage>(Frame(http, area, admin, details.Account.Email), new()
                {
                    [nameof(UserPage.Details)] = details,
                    [nameof(UserPage.Trail)] = new AuditTrail(trail.Items, trail.Total, emails),
                    [nameof(UserPage.Roles)] = await UserListPages.RoleNamesAsync(db, cancellationToken),
                    [nameof(UserPage.Self)] = admin.UserId == id,
                });
            case ProblemHttpResult { StatusCode: StatusCodes.Status404NotFound }:
                return area.NotFound(http, admin);
            default:
                return area.Forbidden(http, admin);
        }
    }

    /// <summary>The confirmation of a destructive action as a page of its own: where the re-authentication comes back to.</summary>
    public static async Task<IResult> ConfirmAsync(
        Guid id, HttpContext http, AdminArea area, WardenDbContext db, CancellationToken cancellationToken, string? operation = null, string? role = null, string? session = null)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Users.Permission);
        if (admin is null)
        {
            return refusal!;
        }

        var form = new UserActionForm { Operation = operation, Role = role, Session = session };
        if (operation is null || !Destructive.Contains(operation))
        {
            return area.NotFound(http, admin);
        }

        return await area.StepUpAsync(admin, ConfirmPath(id, form), cancellationToken)
               ?? await ConfirmPageAsync(id, form, typedWrong: false, http, area, admin, db, cancellationToken);
    }

    public static async Task<IResult> ActAsync(
        Guid id, [FromForm] UserActionForm posted, HttpContext http, AdminArea area, AccessPolicy policy, PermissionService permissions,
        SessionRevocation revocation, LoginThrottle throttle, TwoFactorAccount twoFactor, AccountErasure erasure, IEnumerable<IPersonalData> modules,
        WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var page = PathOf(id);
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Users.Permission, page);
        if (admin is null)
        {
            return refusal!;
        }

        if (posted.Operation is not { } operation || !Operations.Contains(operation))
        {
            return PageResults.SeeOther(AdminArea.WithFlash(page, "problem", "other"));
        }

        if (Destructive.Contains(operation))
        {
            if (await area.StepUpAsync(admin, ConfirmPath(id, posted), cancellationToken) is { } stepUp)
            {
                return stepUp;
            }

            var typedWrong = operation == "erase" && AdminArea.Confirmed(posted.Confirm) && !await TypedEmailMatchesAsync(db, id, posted.Typed, cancellationToken);
            if (!AdminArea.Confirmed(posted.Confirm) || typedWrong)
            {
                return await ConfirmPageAsync(id, posted, typedWrong, http, area, admin, db, cancellationToken);
            }
        }

        var principal = admin.Principal;
        if (operation == "export")
        {
            return await ExportAsync(id, principal, policy, db, modules, time, http, page, cancellationToken);
        }

        object result = operation switch
        {
            "activate" or "suspend" => (await ChangeUserStatus.HandleAsync(id, new StatusRequest(operation == "activate" ? "active" : "suspended"),
                principal, policy, permissions, revocation, db, time, http, cancellationToken)).Result,
            "unlock" => (await UserAccessActions.UnlockAsync(id, principal, policy, throttle, db, time, http, cancellationToken)).Result,
            "signout" => (await UserAccessActions.RevokeSessionsAsync(id, principal, policy, revocation, db, http, cancellationToken)).Result,
            "revoke-session" => Guid.TryParse(posted.Session, out var sessionId)
                ? (await UserAccessActions.RevokeSessionAsync(id, sessionId, principal, policy, revocation, db, http, cancellationToken)).Result
                : Infrastructure.Http.ApiProblems.NotFound("No such session."),
            "reset-2fa" => (await UserAccessActions.ResetTwoFactorAsync(id, principal, policy, twoFactor, db, http, cancellationToken)).Result,
            "add-role" => (await UserRoles.AssignAsync(id, new AssignRoleRequest(posted.Role), principal, policy, permissions, db, time, http, cancellationToken)).Result,
            "remove-role" => (await UserRoles.RemoveAsync(id, posted.Role ?? "", principal, policy, permissions, db, time, http, cancellationToken)).Result,
            "resend-verification" => (await ResendAccountMail.VerificationAsync(id, principal, policy, db, time, http, cancellationToken)).Result,
            "resend-invitation" => (await ResendAccountMail.InvitationAsync(id, principal, policy, db, time, http, cancellationToken)).Result,
            _ => (await UserAccessActions.EraseAsync(id, principal, policy, permissions, erasure, db, http, cancellationToken)).Result,
        };

        return operation == "erase" && AdminArea.ProblemCode(result) is null
            ? PageResults.SeeOther(AdminArea.WithFlash(AdminSections.Users.Path, "done", "erased"))
            : AdminArea.After(result, page, operation);
    }

    /// <summary>
    /// The admin API's export as the download itself (its answer, headers and all: the same document as
    /// <c>GET /api/v1/admin/users/{id}/export</c>), or back to the user's page with the problem.
    /// </summary>
    private static async Task<IResult> ExportAsync(
        Guid id, System.Security.Claims.ClaimsPrincipal principal, AccessPolicy policy, WardenDbContext db, IEnumerable<IPersonalData> modules,
        TimeProvider time, HttpContext http, string page, CancellationToken cancellationToken)
    {
        var result = (await ExportUserData.HandleAsync(id, principal, policy, db, modules, time, http, cancellationToken)).Result;
        return AdminArea.ProblemCode(result) is null ? result : AdminArea.After(result, page, "export");
    }

    private static string ConfirmPath(Guid id, UserActionForm form) =>
        PathOf(id) + "/confirm?operation=" + Uri.EscapeDataString(form.Operation ?? "")
        + (string.IsNullOrEmpty(form.Role) ? "" : "&role=" + Uri.EscapeDataString(form.Role))
        + (string.IsNullOrEmpty(form.Session) ? "" : "&session=" + Uri.EscapeDataString(form.Session));

    private static async Task<IResult> ConfirmPageAsync(
        Guid id, UserActionForm form, bool typedWrong, HttpContext http, AdminArea area, Administrator admin, WardenDbContext db, CancellationToken cancellationToken)
    {
        var email = await db.Users.AsNoTracking().Where(u => u.Id == id && u.Status != Users.UserStatus.Deleted).Select(u => u.Email).SingleOrDefaultAsync(cancellationToken);
        if (email is null)
        {
            return area.NotFound(http, admin);
        }

        var operation = form.Operation!;
        var hidden = new Dictionary<string, string> { ["operation"] = operation };
        if (!string.IsNullOrEmpty(form.Role))
        {
            hidden["role"] = form.Role;
        }

        if (!string.IsNullOrEmpty(form.Session))
        {
            hidden["session"] = form.Session;
        }

        return AdminArea.Confirm(Frame(http, area, admin, email, id),
            new AdminConfirmModel("Admin.User.Confirm." + operation, area.Text("Admin.User.ConfirmText." + operation, email, form.Role),
                PathOf(id), "Admin.User.Do." + operation, PathOf(id))
            {
                Hidden = hidden,
                Typed = operation == "erase" ? email : null,
                TypedWrong = typedWrong,
            });
    }

    private static async Task<bool> TypedEmailMatchesAsync(WardenDbContext db, Guid id, string? typed, CancellationToken cancellationToken)
    {
        var email = await db.Users.AsNoTracking().Where(u => u.Id == id).Select(u => u.Email).SingleOrDefaultAsync(cancellationToken);
        return email is not null && string.Equals(typed?.Trim(), email, StringComparison.OrdinalIgnoreCase);
    }

    private static AdminFrame Frame(HttpContext http, AdminArea area, Administrator admin, string email, Guid? confirmOf = null) =>
        confirmOf is { } id
            ? area.Frame(http, admin, new Breadcrumb(AdminSections.Users.Label, AdminSections.Users.Path), new Breadcrumb(email, PathOf(id), Literal: true),
                new Breadcrumb("Admin.Confirm.Crumb"))
            : area.Frame(http, admin, new Breadcrumb(AdminSections.Users.Label, AdminSections.Users.Path), new Breadcrumb(email, Literal: true));

    /// <summary>Details of an audit entry, as one line of <c>name: value</c> pairs.</summary>
    public static string Summary(JsonElement details) =>
        details.ValueKind != JsonValueKind.Object
            ? ""
            : string.Join(", ", details.EnumerateObject()
                .Where(p => p.Name is not ("ipAddress" or "userAgent" or "userId" or "actorId"))
                .Select(p => p.Name + ": " + (p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())));
}
