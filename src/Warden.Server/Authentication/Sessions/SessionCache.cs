using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Authentication.Sessions;

/// <summary>
/// Answers "is this session still usable?" on every authenticated request without a database round trip
/// each time. Revocations on this node are seen at once (they mark the entry); other nodes see them when
/// their entry expires (<see cref="AuthenticationOptions.SessionCacheDuration"/>).
/// </summary>
public sealed class SessionCache(IMemoryCache cache, IServiceScopeFactory scopes, TimeProvider time, IOptions<AuthenticationOptions> options)
{
    private sealed record Entry(Guid UserId, SessionState State, DateTimeOffset ExpiresAt, bool Revoked);

    public async ValueTask<bool> IsActiveAsync(Guid sessionId, Guid userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!cache.TryGetValue(Key(sessionId), out Entry? entry) || entry is null)
        {
            entry = await LoadAsync(sessionId, now, cancellationToken);
            if (entry is null)
            {
                return false;
            }

            var duration = options.Value.SessionCacheDuration;
            if (duration > TimeSpan.Zero)
            {
                cache.Set(Key(sessionId), entry, duration);
            }
        }

        return !entry.Revoked && entry.State == SessionState.Active && entry.ExpiresAt > now && entry.UserId == userId;
    }

    /// <summary>
    /// Marks sessions revoked on this node immediately, before the revoking transaction commits: if it then
    /// rolls back, the session fails closed here for one cache period, which is the safe direction.
    /// </summary>
    public void MarkRevoked(IEnumerable<Guid> sessionIds)
    {
        var duration = options.Value.SessionCacheDuration > TimeSpan.Zero ? options.Value.SessionCacheDuration : TimeSpan.FromSeconds(1);
        foreach (var id in sessionIds)
        {
            cache.Set(Key(id), new Entry(Guid.Empty, SessionState.Active, DateTimeOffset.MinValue, Revoked: true), duration);
        }
    }

    /// <summary>Forgets what this node knows, e.g. after a session was activated by a second factor.</summary>
    public void Forget(Guid sessionId) => cache.Remove(Key(sessionId));

    private async Task<Entry?> LoadAsync(Guid sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        var session = await db.Sessions.AsNoTracking()
            .Where(s => s.Id == sessionId)
            .Select(s => new { s.UserId, s.State, s.ExpiresAt, s.RevokedAt })
            .SingleOrDefaultAsync(cancellationToken);
        if (session is null)
        {
            return null;
        }

        return new Entry(session.UserId, session.State, session.ExpiresAt, session.RevokedAt is not null);
    }

    private static string Key(Guid sessionId) => "session:" + sessionId.ToString("N");
}
