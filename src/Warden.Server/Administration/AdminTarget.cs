using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Policies;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Administration;

/// <summary>
/// The checks every administrative action on a user shares, in order: the access rules (ABAC) allow the action;
/// inside the caller's transaction, under the administration lock, the target exists (erased users are gone:
/// 404), is not the caller where that is forbidden, and holds no permission the caller lacks.
/// </summary>
internal static class AdminTarget
{
    public static async Task<ProblemHttpResult?> AuthorizeAsync(ClaimsPrincipal principal, string action, Guid targetId, AccessPolicy policy, HttpContext http)
    {
        var decision = await policy.EvaluateAsync(principal, action, PolicyResource.User(targetId), http);
        return decision.IsAllowed ? null : AccessGuards.Denied(decision);
    }

    /// <summary>Call inside a transaction; returns the tracked target, or the problem to answer with.</summary>
    public static async Task<(User? Target, AccessSnapshot? Actor, ProblemHttpResult? Problem)> LockAsync(
        WardenDbContext db, ClaimsPrincipal principal, Guid targetId, bool forbidSelf, CancellationToken cancellationToken)
    {
        await AccessGuards.LockAsync(db, cancellationToken);
        var target = await db.Users.SingleOrDefaultAsync(u => u.Id == targetId && u.Status != UserStatus.Deleted, cancellationToken);
        if (target is null)
        {
            return (null, null, ApiProblems.NotFound("No such user."));
        }

        var actorId = principal.UserId();
        if (forbidSelf && actorId == targetId)
        {
            return (null, null, AccessGuards.Self());
        }

        // Read fresh in this transaction: the cache may be a few seconds old, and the guard must not be.
        var actor = await AccessSnapshot.LoadAsync(db, actorId, cancellationToken);
        var targetAccess = await AccessSnapshot.LoadAsync(db, targetId, cancellationToken);
        if (AccessGuards.Lacking(actor, targetAccess.Permissions) is { Count: > 0 } lacking)
        {
            return (null, null, AccessGuards.Escalation("You may only act on users whose permissions you hold yourself.", lacking));
        }

        return (target, actor, null);
    }
}
