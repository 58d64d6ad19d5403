using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Policies;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Administration;

/// <summary>
/// The checks every administrative action on a user shares, in order: the access rules (ABAC) allow the action;
/// inside the action's transaction, under the administration lock, the target exists (erased users are gone:
/// 404), is not the caller where that is forbidden, and holds no permission the caller lacks.
/// </summary>
internal static class AdminTarget
{
    /// <summary>
    /// Every guard in order, then the transaction the action runs in: the access rules first (denied: nothing begun),
    /// then a transaction and, inside it, <see cref="LockAsync"/>. The caller answers with <see cref="GuardedAction.Refusal"/>
    /// when set; otherwise it does its own work on <see cref="GuardedAction.Target"/> and commits.
    /// </summary>
    public static async Task<GuardedAction> BeginAsync(
        ClaimsPrincipal principal, string action, Guid targetId, bool forbidSelf, AccessPolicy policy, WardenDbContext db, HttpContext http,
        CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(principal, action, targetId, policy, http) is { } denied)
        {
            return new GuardedAction(null, null, null, denied);
        }

        var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            var (target, actor, problem) = await LockAsync(db, principal, targetId, forbidSelf, cancellationToken);
            return new GuardedAction(transaction, target, actor, problem);
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }

    public static async Task<ProblemHttpResult?> AuthorizeAsync(ClaimsPrincipal principal, string action, Guid targetId, AccessPolicy policy, HttpContext http)
    {
        var decision = await policy.EvaluateAsync(principal, action, PolicyResource.User(targetId), http);
        return decision.IsAllowed ? null : AccessGuards.Denied(decision);
    }

    /// <summary>Call inside a transaction; returns the tracked target, or the problem to answer with.</summary>
    private static async Task<(User? Target, AccessSnapshot? Actor, ProblemHttpResult? Problem)> LockAsync(
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

/// <summary>
/// An administrative action on a user past <see cref="AdminTarget.BeginAsync"/>: its transaction (under the
/// administration lock), the tracked target and the caller's access read in it; or the <see cref="Refusal"/> to answer
/// with, nothing changed. Disposing rolls back what was not committed.
/// </summary>
internal sealed class GuardedAction(IDbContextTransaction? transaction, User? target, AccessSnapshot? actor, ProblemHttpResult? refusal) : IAsyncDisposable
{
    public ProblemHttpResult? Refusal { get; } = refusal;

    public User Target => target ?? throw new InvalidOperationException("The action was refused: " + Refusal?.ProblemDetails.Title);

    public AccessSnapshot Actor => actor ?? throw new InvalidOperationException("The action was refused: " + Refusal?.ProblemDetails.Title);

    public Task CommitAsync(CancellationToken cancellationToken) => Transaction.CommitAsync(cancellationToken);

    public Task RollbackAsync(CancellationToken cancellationToken) => Transaction.RollbackAsync(cancellationToken);

    private IDbContextTransaction Transaction => transaction ?? throw new InvalidOperationException("The action was refused before its transaction began.");

    public ValueTask DisposeAsync() => transaction?.DisposeAsync() ?? ValueTask.CompletedTask;
}
