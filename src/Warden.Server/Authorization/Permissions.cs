using System.Linq.Expressions;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authorization.Policies;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Authorization;

public sealed record PermissionView(Guid Id, string Name, string? Description, IReadOnlyList<string> Roles, DateTimeOffset CreatedAt);

public sealed record PermissionRequest(string? Name, string? Description);

/// <summary>
/// Permission management (<c>/api/v1/permissions</c>). A new permission is granted at once to every role that
/// grants <c>admin:system</c>: otherwise nobody would hold it, and since nobody may grant what they lack, it could
/// never be given to anyone. The default permissions cannot be deleted (Warden's own checks name them).
/// </summary>
public static partial class Permissions
{
    public static async Task<Results<Ok<List<PermissionView>>, ProblemHttpResult>> ListAsync(
        ClaimsPrincipal principal, AccessPolicy policy, WardenDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var decision = await policy.EvaluateAsync(principal, PolicyActions.AdminRolesRead, PolicyResource.Of(PolicyResourceTypes.Permission), http);
        if (!decision.IsAllowed)
        {
            return AccessGuards.Denied(decision);
        }

        return TypedResults.Ok(await Query(db, _ => true).ToListAsync(cancellationToken));
    }

    public static async Task<Results<Created<PermissionView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        PermissionRequest request, ClaimsPrincipal principal, AccessPolicy policy, PermissionService permissions,
        WardenDbContext db, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var decision = await policy.EvaluateAsync(principal, PolicyActions.AdminRolesWrite, PolicyResource.Of(PolicyResourceTypes.Permission), http);
        if (!decision.IsAllowed)
        {
            return AccessGuards.Denied(decision);
        }

        var name = request.Name?.Trim();
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(name) || !PermissionNamePattern().IsMatch(name))
        {
            errors["name"] = ["A permission name has 2 to 100 lower-case letters, digits, '.', '_', '-' or ':', starting with a letter (e.g. reports:read)."];
        }

        if (request.Description is { Length: > 500 } || (request.Description?.Any(char.IsControl) ?? false))
        {
            errors["description"] = ["The description has at most 500 characters and no control characters."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AccessGuards.LockAsync(db, cancellationToken);
        if (await db.Permissions.AnyAsync(p => p.Name == name, cancellationToken))
        {
            return Exists();
        }

        var permission = new Permission { Name = name!, Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim(), CreatedAt = time.GetUtcNow() };
        db.Permissions.Add(permission);
        var systemRoles = await db.Roles
            .Where(r => r.Permissions.Any(rp => rp.Permission!.Name == PermissionNames.AdminSystem))
            .Select(r => new { r.Id, r.Name })
            .ToListAsync(cancellationToken);
        foreach (var role in systemRoles)
        {
            db.RolePermissions.Add(new RolePermission { RoleId = role.Id, PermissionId = permission.Id });
        }

        db.AddEvent(EventTypes.PermissionCreated, null, new
        {
            permissionId = permission.Id,
            name = permission.Name,
            roles = systemRoles.Select(r => r.Name!).Order(StringComparer.Ordinal).ToList(),
        }, permission.CreatedAt);

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return Exists();
        }

        await transaction.CommitAsync(cancellationToken);
        permissions.Invalidate();
        return TypedResults.Created($"/api/v1/permissions/{permission.Id}", await Query(db, p => p.Id == permission.Id).SingleAsync(cancellationToken));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, ClaimsPrincipal principal, AccessPolicy policy, PermissionService permissions,
        WardenDbContext db, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var decision = await policy.EvaluateAsync(principal, PolicyActions.AdminRolesWrite, PolicyResource.Of(PolicyResourceTypes.Permission), http);
        if (!decision.IsAllowed)
        {
            return AccessGuards.Denied(decision);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AccessGuards.LockAsync(db, cancellationToken);
        var permission = await db.Permissions.SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (permission is null)
        {
            return ApiProblems.NotFound("No such permission.");
        }

        if (DefaultRoles.Permissions.ContainsKey(permission.Name))
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.DefaultPermission, "The default permissions cannot be deleted.");
        }

        var actor = await AccessSnapshot.LoadAsync(db, principal.UserId(), cancellationToken);
        if (AccessGuards.Lacking(actor, [permission.Name]) is { Count: > 0 } lacking)
        {
            return AccessGuards.Escalation("You may only delete permissions you hold yourself.", lacking);
        }

        // Taking a permission out of every role that grants it acts on all their holders.
        var granting = await db.RolePermissions.Where(rp => rp.PermissionId == id).Select(rp => rp.RoleId).ToListAsync(cancellationToken);
        if (granting.Count > 0 && await AccessGuards.LackingForHoldersAsync(db, actor, granting, cancellationToken) is { Count: > 0 } holderLacking)
        {
            return AccessGuards.Escalation("You may only delete a permission whose holders' permissions you hold yourself.", holderLacking);
        }

        var fromRoles = await db.Roles.Where(r => granting.Contains(r.Id)).Select(r => r.Name!).OrderBy(n => n).ToListAsync(cancellationToken);
        await db.RolePermissions.Where(rp => rp.PermissionId == id).ExecuteDeleteAsync(cancellationToken);
        db.Permissions.Remove(permission);
        db.AddEvent(EventTypes.PermissionDeleted, null, new { permissionId = id, name = permission.Name, roles = fromRoles }, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        if (!await AccessGuards.SystemAdministratorRemainsAsync(db, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            return AccessGuards.LastSystemAdministrator();
        }

        await transaction.CommitAsync(cancellationToken);
        permissions.Invalidate();
        return TypedResults.NoContent();
    }

    private static IQueryable<PermissionView> Query(WardenDbContext db, Expression<Func<Permission, bool>> where) =>
        db.Permissions.AsNoTracking().Where(where).OrderBy(x => x.Name).Select(p => new PermissionView(
            p.Id,
            p.Name,
            p.Description,
            db.RolePermissions.Where(rp => rp.PermissionId == p.Id).Select(rp => rp.Role!.Name!).OrderBy(n => n).ToList(),
            p.CreatedAt));

    private static ProblemHttpResult Exists() =>
        ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.PermissionExists, "A permission with this name exists.");

    [GeneratedRegex("^[a-z][a-z0-9._:-]{1,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex PermissionNamePattern();
}
