using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authorization.Policies;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Authorization;

/// <summary>
/// Invariants of role and user administration that no configuration can switch off:
/// <list type="bullet">
/// <item>nobody grants, or takes away, permissions they do not hold themselves;</item>
/// <item>an administrator acts on a user only if that user's permissions are a subset of their own, and changing a
/// role's permissions is acting on every holder of the role;</item>
/// <item>at least one active user keeps <c>admin:system</c>;</item>
/// <item>nobody changes their own roles or status.</item>
/// </list>
/// Guarded changes run in a transaction that first takes <see cref="LockAsync"/>, make the change, and then
/// check <see cref="SystemAdministratorRemainsAsync"/> before committing, so two administrators demoting each
/// other at the same moment cannot both succeed.
/// </summary>
public static class AccessGuards
{
    // An arbitrary constant naming "the administration lock" among PostgreSQL advisory locks.
    private const long AdvisoryLockKey = 0x57617264656E01; // "Warden" + 1

    /// <summary>
    /// Serializes guarded changes until the transaction ends. PostgreSQL: a transaction-scoped advisory lock.
    /// SQLite: nothing to do, a transaction begins with BEGIN IMMEDIATE and so already excludes other writers.
    /// </summary>
    public static async Task LockAsync(WardenDbContext db, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("The administration lock is taken inside a transaction.");
        }

        if (db.Provider == DatabaseProvider.Postgres)
        {
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock({AdvisoryLockKey})", cancellationToken);
        }
    }

    /// <summary>
    /// True while some active user (other than <paramref name="except"/>, if given) holds <c>admin:system</c> through
    /// a role (read in the caller's transaction).
    /// </summary>
    public static Task<bool> SystemAdministratorRemainsAsync(WardenDbContext db, CancellationToken cancellationToken, Guid? except = null) =>
        db.UserRoles.AnyAsync(ur => ur.User!.Status == UserStatus.Active
            && (except == null || ur.UserId != except)
            && ur.Role!.Permissions.Any(rp => rp.Permission!.Name == PermissionNames.AdminSystem), cancellationToken);

    /// <summary>The permissions in <paramref name="wanted"/> that <paramref name="actor"/> does not hold.</summary>
    public static List<string> Lacking(AccessSnapshot actor, IEnumerable<string> wanted) =>
        [.. wanted.Where(p => !actor.EffectivePermissions.Contains(p)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>
    /// Changing a role's permissions acts on every holder of the role, as assigning or removing it would: the
    /// permissions some (not erased) holder of <paramref name="roleIds"/> has, through any of their roles, that
    /// <paramref name="actor"/> lacks. One statement, read in the caller's transaction.
    /// </summary>
    public static async Task<List<string>> LackingForHoldersAsync(
        WardenDbContext db, AccessSnapshot actor, IReadOnlyCollection<Guid> roleIds, CancellationToken cancellationToken)
    {
        var holders = db.UserRoles.Where(ur => roleIds.Contains(ur.RoleId) && ur.User!.Status != UserStatus.Deleted).Select(ur => ur.UserId);
        var held = await db.UserRoles.Where(ur => holders.Contains(ur.UserId))
            .SelectMany(ur => ur.Role!.Permissions.Select(rp => rp.Permission!.Name))
            .Distinct()
            .ToListAsync(cancellationToken);
        return Lacking(actor, held);
    }

    public static ProblemHttpResult Escalation(string title, IReadOnlyCollection<string>? lacking = null) =>
        TypedResults.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = StatusCodes.Status403Forbidden,
            Title = title,
            Type = ApiProblems.TypePrefix + ProblemCodes.PrivilegeEscalation,
            Extensions =
            {
                ["code"] = ProblemCodes.PrivilegeEscalation,
                ["missingPermissions"] = lacking,
            },
        });

    public static ProblemHttpResult LastSystemAdministrator() =>
        ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.LastAdministrator,
            "This would leave no active user with admin:system.");

    public static ProblemHttpResult Self() =>
        ApiProblems.Problem(StatusCodes.Status403Forbidden, ProblemCodes.CannotChangeSelf,
            "You cannot change your own roles or status here; another administrator must.");

    /// <summary>The problem an ABAC denial answers with: the rule's code, else <c>forbidden</c>.</summary>
    public static ProblemHttpResult Denied(PolicyDecision decision) =>
        ApiProblems.Problem(StatusCodes.Status403Forbidden, decision.Code ?? ProblemCodes.Forbidden,
            decision.Code == ProblemCodes.StepUpRequired
                ? "This action needs a sign-in with a second factor."
                : "The access rules do not allow this.");
}
