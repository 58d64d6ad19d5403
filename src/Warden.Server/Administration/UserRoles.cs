using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Policies;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Administration;

public sealed record AssignRoleRequest(string? Role);

public sealed record UserRolesView(Guid UserId, IReadOnlyList<string> Roles, IReadOnlyList<string> Permissions);

/// <summary>
/// Assigning and removing roles. Nobody changes their own roles, acts on a user who holds a permission they
/// lack, grants a role whose permissions they lack, or takes <c>admin:system</c> from its last active holder.
/// The change applies to the user's very next request: permission checks read current roles, not the token.
/// </summary>
public static class UserRoles
{
    public static async Task<Results<Ok<UserRolesView>, ValidationProblem, ProblemHttpResult>> AssignAsync(
        Guid id, AssignRoleRequest request, ClaimsPrincipal principal, AccessPolicy policy, PermissionService permissions,
        WardenDbContext db, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Role) || request.Role.Length > 256)
        {
            return ApiProblems.Validation("role", "Name the role to assign.");
        }

        await using var guarded = await AdminTarget.BeginAsync(principal, PolicyActions.AdminUsersRoles, id, forbidSelf: true, policy, db, http, cancellationToken);
        if (guarded.Refusal is { } refused)
        {
            return refused;
        }

        var actor = guarded.Actor;
        var roleName = request.Role.Trim();
        var role = await db.Roles.AsNoTracking()
            .Where(r => r.Name == roleName)
            .Select(r => new { r.Id, r.Name, Permissions = r.Permissions.Select(p => p.Permission!.Name).ToList() })
            .SingleOrDefaultAsync(cancellationToken);
        if (role is null)
        {
            return ApiProblems.Validation("role", $"No role is named '{roleName}'.");
        }

        if (AccessGuards.Lacking(actor, role.Permissions) is { Count: > 0 } lacking)
        {
            return AccessGuards.Escalation("You may only grant roles whose permissions you hold yourself.", lacking);
        }

        if (!await db.UserRoles.AnyAsync(ur => ur.UserId == id && ur.RoleId == role.Id, cancellationToken))
        {
            var now = time.GetUtcNow();
            var actorId = principal.UserId();
            db.UserRoles.Add(new UserRole { UserId = id, RoleId = role.Id, AssignedAt = now, AssignedBy = actorId });
            db.AddEvent(EventTypes.RoleAssigned, id, new { userId = id, role = role.Name }, now);
            await db.SaveChangesAsync(cancellationToken);
        }

        await guarded.CommitAsync(cancellationToken);
        permissions.Invalidate();
        return TypedResults.Ok(await ViewAsync(db, id, cancellationToken));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RemoveAsync(
        Guid id, string role, ClaimsPrincipal principal, AccessPolicy policy, PermissionService permissions,
        WardenDbContext db, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        await using var guarded = await AdminTarget.BeginAsync(principal, PolicyActions.AdminUsersRoles, id, forbidSelf: true, policy, db, http, cancellationToken);
        if (guarded.Refusal is { } refused)
        {
            return refused;
        }

        var membership = await db.UserRoles.SingleOrDefaultAsync(ur => ur.UserId == id && ur.Role!.Name == role, cancellationToken);
        if (membership is null)
        {
            return ApiProblems.NotFound("The user does not have this role.");
        }

        var now = time.GetUtcNow();
        db.UserRoles.Remove(membership);
        db.AddEvent(EventTypes.RoleRemoved, id, new { userId = id, role }, now);
        await db.SaveChangesAsync(cancellationToken);

        if (!await AccessGuards.SystemAdministratorRemainsAsync(db, cancellationToken))
        {
            await guarded.RollbackAsync(cancellationToken);
            return AccessGuards.LastSystemAdministrator();
        }

        await guarded.CommitAsync(cancellationToken);
        permissions.Invalidate();
        return TypedResults.NoContent();
    }

    private static async Task<UserRolesView> ViewAsync(WardenDbContext db, Guid id, CancellationToken cancellationToken)
    {
        var access = await AccessSnapshot.LoadAsync(db, id, cancellationToken);
        return new UserRolesView(id, [.. access.Roles], [.. access.Permissions]);
    }
}
