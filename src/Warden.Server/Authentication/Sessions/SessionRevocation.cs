using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Authentication.Sessions;

/// <summary>
/// Ends sessions. The update runs in the caller's transaction when there is one (a password reset, a
/// suspension), so the sessions end exactly when the change that ends them commits; the events only report it.
/// </summary>
public sealed class SessionRevocation(WardenDbContext db, SessionCache cache, AfterCommit afterCommit, IEnumerable<ISessionGrants> grants, TimeProvider time)
{
    public Task<IReadOnlyList<Guid>> RevokeAsync(Guid userId, Guid sessionId, string reason, CancellationToken cancellationToken) =>
        RevokeWhereAsync(userId, db.Sessions.Where(s => s.UserId == userId && s.Id == sessionId), reason, cancellationToken);

    public Task<IReadOnlyList<Guid>> RevokeAllAsync(Guid userId, Guid? exceptSessionId, string reason, CancellationToken cancellationToken) =>
        RevokeWhereAsync(
            userId,
            db.Sessions.Where(s => s.UserId == userId && (exceptSessionId == null || s.Id != exceptSessionId)),
            reason,
            cancellationToken);

    private async Task<IReadOnlyList<Guid>> RevokeWhereAsync(Guid userId, IQueryable<UserSession> sessions, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var matched = await sessions.Select(s => new { s.Id, s.RevokedAt }).ToListAsync(cancellationToken);

        // Grants given on these sessions end too, also those of sessions already over: an offline grant outlives its
        // session's sign-out, and must still end when the user's sessions are ended for any other reason.
        foreach (var dependent in grants)
        {
            await dependent.RevokeAsync([.. matched.Select(s => s.Id)], reason, now, cancellationToken);
        }

        List<Guid> ids = [.. matched.Where(s => s.RevokedAt == null).Select(s => s.Id)];
        if (ids.Count == 0)
        {
            return ids;
        }

        // Marked before (this node refuses the sessions at once) and again after the commit: a node that read the
        // rows while the revocation was uncommitted may have cached them as active in between.
        cache.MarkRevoked(ids);

        // Conditional on RevokedAt == null so that two concurrent revocations report each session once.
        var revoked = await db.Sessions
            .Where(s => ids.Contains(s.Id) && s.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, now).SetProperty(x => x.RevokedReason, reason), cancellationToken);
        await db.RefreshTokens
            .Where(t => ids.Contains(t.SessionId) && t.SpentAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.SpentAt, now), cancellationToken);

        if (revoked > 0)
        {
            foreach (var id in ids)
            {
                db.AddEvent(EventTypes.SessionRevoked, userId, new { userId, sessionId = id, reason }, now);
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        afterCommit.Run(db, () => cache.MarkRevoked(ids));
        return ids;
    }
}
