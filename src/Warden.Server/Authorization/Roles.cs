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

public sealed record RoleView(Guid Id, string Name, string? Description, IReadOnlyList<string> Permissions, int Users, DateTimeOffset CreatedAt);

public sealed record RoleRequest(string? Name, string? Description, List<string>? Permissions);

/// <summary>
/// Role management (<c>/api/v1/roles</c>): reading needs <c>admin:users</c>, changes <c>admin:system</c>. A change
/// may only add or remove permissions the caller holds, changes every holder of the role (so the caller must hold
/// every permission each holder has, as when acting on them one by one), may not rename or delete the default roles
/// (registration and the bootstrap depend on them), and may not take <c>admin:system</c> from the last active user
/// who has it.
/// </summary>
public static partial class Roles
{
    public static async Task<Results<Ok<List<RoleView>>, ProblemHttpResult>> ListAsync(
        ClaimsPrincipal principal, AccessPolicy policy, WardenDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var decision = await policy.EvaluateAsync(principal, PolicyActions.AdminRolesRead, PolicyResource.Of(PolicyResourceTypes.Role), http);
        if (!decision.IsAllowed)
        {
            return AccessGuards.Denied(decision);
        }

        return TypedResults.Ok(await Query(db, _ => true).ToListAsync(cancellationToken));
    }

    public static async Task<Results<Ok<RoleView>, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal principal, AccessPolicy policy, WardenDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var decision = await policy.EvaluateAsync(principal, PolicyActions.AdminRolesRead, PolicyResource.Of(PolicyResourceTypes.Role), http);
        if (!decision.IsAllowed)
        {
            return AccessGuards.Denied(decision);
        }

        var role = await Query(db, r => r.Id == id).SingleOrDefaultAsync(cancellationToken);
        return role is null ? ApiProblems.NotFound("No such role.") : TypedResults.Ok(role);
    }

    public static async Task<Results<Created<RoleView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        RoleRequest request, ClaimsPrincipal principal, AccessPolicy policy, PermissionService permissions,
        WardenDbContext db, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var decision = await policy.EvaluateAsync(principal, PolicyActions.AdminRolesWrite, PolicyResource.Of(PolicyResourceTypes.Role), http);
        if (!decision.IsAllowed)
        {
            return AccessGuards.Denied(decision);
        }

        var (errors, name, wanted) = await ValidateAsync(request, db, cancellationToken);
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AccessGuards.LockAsync(db, cancellationToken);
        var actor = await AccessSnapshot.LoadAsync(db, principal.UserId(), cancellationToken);
        if (AccessGuards.Lacking(actor, wanted.Keys) is { Count: > 0 } lacking)
        {
            return AccessGuards.Escalation("A role may only grant permissions you hold yourself.", lacking);
        }

        var normalized = name!.ToUpperInvariant();
        if (await db.Roles.AnyAsync(r => r.NormalizedName == normalized, cancellationToken))
        {
            return Exists();
        }

        var role = new Role(name) { NormalizedName = normalized, Description = Clean(request.Description), CreatedAt = time.GetUtcNow(), ConcurrencyStamp = Guid.NewGuid().ToString() };
        foreach (var permission in wanted.Values)
        {
            role.Permissions.Add(new RolePermission { RoleId = role.Id, PermissionId = permission });
        }

        db.Roles.Add(role);
        db.AddEvent(EventTypes.RoleCreated, null, new { roleId = role.Id, name, permissions = wanted.Keys.Order(StringComparer.Ordinal).ToList() }, role.CreatedAt);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return Exists(); // a concurrent create of the same name won the unique index
        }

        await transaction.CommitAsync(cancellationToken);
        permissions.Invalidate();
        var view = await Query(db, r => r.Id == role.Id).SingleAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/roles/{role.Id}", view);
    }

    public static async Task<Results<Ok<RoleView>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid id, RoleRequest request, ClaimsPrincipal principal, AccessPolicy policy, PermissionService permissions,
        WardenDbContext db, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var decision = await policy.EvaluateAsync(principal, PolicyActions.AdminRolesWrite, PolicyResource.Of(PolicyResourceTypes.Role), http);
        if (!decision.IsAllowed)
        {
            return AccessGuards.Denied(decision);
        }

        var (errors, name, wanted) = await ValidateAsync(request, db, cancellationToken);
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AccessGuards.LockAsync(db, cancellationToken);
        var role = await db.Roles.Include(r => r.Permissions).ThenInclude(rp => rp.Permission).SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (role is null)
        {
            return ApiProblems.NotFound("No such role.");
        }

        if (DefaultRoles.Roles.ContainsKey(role.Name!) && !string.Equals(role.Name, name, StringComparison.Ordinal))
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.DefaultRole, "The default roles cannot be renamed.");
        }

        var current = role.Permissions.ToDictionary(rp => rp.Permission!.Name, rp => rp, StringComparer.Ordinal);
        var added = wanted.Keys.Where(p => !current.ContainsKey(p)).ToList();
        var removed = current.Keys.Where(p => !wanted.ContainsKey(p)).ToList();
        var actor = await AccessSnapshot.LoadAsync(db, principal.UserId(), cancellationToken);
        if (AccessGuards.Lacking(actor, added.Concat(removed)) is { Count: > 0 } lacking)
        {
            return AccessGuards.Escalation("You may only add or remove permissions you hold yourself.", lacking);
        }

        // Changing what a role grants changes every holder at once: allowed only to whoever may act on each of them.
        if ((added.Count > 0 || removed.Count > 0)
            && await AccessGuards.LackingForHoldersAsync(db, actor, [id], cancellationToken) is { Count: > 0 } holderLacking)
        {
            return AccessGuards.Escalation("You may only change a role whose holders' permissions you hold yourself.", holderLacking);
        }

        var normalized = name!.ToUpperInvariant();
        if (await db.Roles.AnyAsync(r => r.NormalizedName == normalized && r.Id != id, cancellationToken))
        {
            return Exists();
        }

        var previousName = role.Name;
        var description = Clean(request.Description);
        if (!string.Equals(previousName, name, StringComparison.Ordinal) || role.Description != description || added.Count > 0 || removed.Count > 0)
        {
            db.AddEvent(EventTypes.RoleUpdated, null, new
            {
                roleId = id,
                name,
                previousName = string.Equals(previousName, name, StringComparison.Ordinal) ? null : previousName,
                addedPermissions = added.Order(StringComparer.Ordinal).ToList(),
                removedPermissions = removed.Order(StringComparer.Ordinal).ToList(),
            }, time.GetUtcNow());
        }

        role.Name = name;
        role.NormalizedName = normalized;
        role.Description = description;
        role.ConcurrencyStamp = Guid.NewGuid().ToString();
        foreach (var permission in removed)
        {
            role.Permissions.Remove(current[permission]);
        }

        foreach (var permission in added)
        {
            role.Permissions.Add(new RolePermission { RoleId = role.Id, PermissionId = wanted[permission] });
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return Exists();
        }

        if (!await AccessGuards.SystemAdministratorRemainsAsync(db, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            return AccessGuards.LastSystemAdministrator();
        }

        await transaction.CommitAsync(cancellationToken);
        permissions.Invalidate();
        return TypedResults.Ok(await Query(db, r => r.Id == id).SingleAsync(cancellationToken));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, ClaimsPrincipal principal, AccessPolicy policy, PermissionService permissions,
        WardenDbContext db, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var decision = await policy.EvaluateAsync(principal, PolicyActions.AdminRolesWrite, PolicyResource.Of(PolicyResourceTypes.Role), http);
        if (!decision.IsAllowed)
        {
            return AccessGuards.Denied(decision);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AccessGuards.LockAsync(db, cancellationToken);
        var role = await db.Roles.Include(r => r.Permissions).ThenInclude(rp => rp.Permission).SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (role is null)
        {
            return ApiProblems.NotFound("No such role.");
        }

        if (DefaultRoles.Roles.ContainsKey(role.Name!))
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.DefaultRole, "The default roles cannot be deleted.");
        }

        // Deleting a role in use would silently demote its holders; remove it from them first, one by one,
        // where the guards on acting on users apply.
        if (await db.UserRoles.AnyAsync(ur => ur.RoleId == id, cancellationToken))
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.RoleInUse, "The role is assigned to users; remove it from them first.");
        }

        var actor = await AccessSnapshot.LoadAsync(db, principal.UserId(), cancellationToken);
        if (AccessGuards.Lacking(actor, role.Permissions.Select(rp => rp.Permission!.Name)) is { Count: > 0 } lacking)
        {
            return AccessGuards.Escalation("You may only delete roles whose permissions you hold yourself.", lacking);
        }

        db.Roles.Remove(role);
        db.AddEvent(EventTypes.RoleDeleted, null, new { roleId = id, name = role.Name }, time.GetUtcNow());
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

    private static IQueryable<RoleView> Query(WardenDbContext db, Expression<Func<Role, bool>> where) =>
        db.Roles.AsNoTracking().Where(where).OrderBy(x => x.Name).Select(r => new RoleView(
            r.Id,
            r.Name!,
            r.Description,
            r.Permissions.Select(p => p.Permission!.Name).OrderBy(n => n).ToList(),
            db.UserRoles.Count(ur => ur.RoleId == r.Id),
            r.CreatedAt));

    private static async Task<(Dictionary<string, string[]> Errors, string? Name, Dictionary<string, Guid> Permissions)> ValidateAsync(
        RoleRequest request, WardenDbContext db, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || !RoleNamePattern().IsMatch(name))
        {
            errors["name"] = ["A role name has 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit."];
        }

        if (request.Description is { Length: > 500 } || (request.Description?.Any(char.IsControl) ?? false))
        {
            errors["description"] = ["The description has at most 500 characters and no control characters."];
        }

        var wanted = (request.Permissions ?? []).ToList();
        var found = new Dictionary<string, Guid>(StringComparer.Ordinal);
        if (wanted.Count > 100 || wanted.Any(p => p is null || p.Length > 100))
        {
            errors["permissions"] = ["Give at most 100 permission names."];
        }
        else if (wanted.Count > 0)
        {
            found = await db.Permissions.Where(p => wanted.Contains(p.Name)).ToDictionaryAsync(p => p.Name, p => p.Id, StringComparer.Ordinal, cancellationToken);
            var unknown = wanted.Where(p => !found.ContainsKey(p)).Distinct().ToList();
            if (unknown.Count > 0)
            {
                errors["permissions"] = [.. unknown.Select(p => $"No permission is named '{p}'.")];
            }
        }

        return (errors, name, found);
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static ProblemHttpResult Exists() =>
        ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.RoleExists, "A role with this name exists.");

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex RoleNamePattern();
}
