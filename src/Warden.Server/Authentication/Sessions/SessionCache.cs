using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Caching;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Authentication.Sessions;

/// <summary>
/// Answers "is this session still usable?" on every authenticated request without a database round trip each time,
/// through the cache seam (<see cref="WardenCache"/>, area <c>sessions</c>: ids, state and expiry only, so the
/// entries may live in Redis). A revocation marks the entry revoked on this node at once and, through Redis and the
/// backplane, on every other node within moments; without Redis, other nodes see it when their entry expires
/// (<see cref="AuthenticationOptions.SessionCacheDuration"/>).
/// </summary>
public sealed class SessionCache(WardenCaches caches, IServiceScopeFactory scopes, TimeProvider time, IOptions<AuthenticationOptions> options)
{
    public static readonly CacheArea Area = new("sessions", Shared: true);

    private readonly WardenCache _cache = caches.For(Area);

    public sealed record Entry(Guid UserId, SessionState State, DateTimeOffset ExpiresAt, bool Revoked);

    public async ValueTask<bool> IsActiveAsync(Guid sessionId, Guid userId, CancellationToken cancellationToken)
    {
        var entry = await _cache.GetOrLoadAsync(Key(sessionId), options.Value.SessionCacheDuration, ct => LoadAsync(sessionId, ct), cancellationToken);
        return entry is not null && !entry.Revoked && entry.State == SessionState.Active && entry.ExpiresAt > time.GetUtcNow() && entry.UserId == userId;
    }

    /// <summary>
    /// Marks sessions revoked everywhere immediately, before the revoking transaction commits: if it then rolls back,
    /// the session fails closed for one cache period, which is the safe direction. <see cref="SessionRevocation"/> marks
    /// them again after the commit, over whatever a node that read the rows in between may have cached.
    /// </summary>
    public void MarkRevoked(IEnumerable<Guid> sessionIds)
    {
        var duration = options.Value.SessionCacheDuration > TimeSpan.Zero ? options.Value.SessionCacheDuration : TimeSpan.FromSeconds(1);
        foreach (var id in sessionIds)
        {
            _cache.Set(Key(id), new Entry(Guid.Empty, SessionState.Active, DateTimeOffset.MinValue, Revoked: true), duration);
        }
    }

    /// <summary>Forgets what the nodes know, e.g. after a session was activated by a second factor.</summary>
    public void Forget(Guid sessionId) => _cache.Remove(Key(sessionId));

    private async Task<Entry?> LoadAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        var session = await db.Sessions.AsNoTracking()
            .Where(s => s.Id == sessionId)
            .Select(s => new { s.UserId, s.State, s.ExpiresAt, s.RevokedAt })
            .SingleOrDefaultAsync(cancellationToken);
        return session is null ? null : new Entry(session.UserId, session.State, session.ExpiresAt, session.RevokedAt is not null);
    }

    private static string Key(Guid sessionId) => sessionId.ToString("N");
}
