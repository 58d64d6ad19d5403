using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Authentication.Sessions;

/// <summary>
/// Keeps <c>user_sessions.last_used_at</c> and <c>users.last_active_at</c> current without a write per request:
/// an authenticated request writes them only when this node has not written them for that session within
/// <see cref="Interval"/>, so a busy session costs two small updates a minute and a read within the window
/// costs none. The "last written" map is per node (several nodes may each write once per interval).
/// </summary>
public sealed class SessionActivity(IServiceScopeFactory scopes, AccountViewCache accounts, TimeProvider time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    // Past this many sessions the map drops the entries older than the interval (they would write anyway).
    private const int PruneAbove = 10_000;

    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _written = new();

    /// <summary>Records a request on the session, at most once per <see cref="Interval"/> per session on this node.</summary>
    public async ValueTask TouchAsync(Guid sessionId, Guid userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!Claim(sessionId, now))
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        // Conditional: a value written meanwhile by another node (or a sign-in) is never moved backwards.
        await db.Sessions.Where(s => s.Id == sessionId && s.LastUsedAt < now)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastUsedAt, now), cancellationToken);
        if (await db.Users.Where(u => u.Id == userId && (u.LastActiveAt == null || u.LastActiveAt < now))
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.LastActiveAt, now), cancellationToken) > 0)
        {
            accounts.ForgetFacts(userId); // the view shows lastActiveAt
        }
    }

    /// <summary>The session's activity was just written by other means (a sign-in, a token refresh).</summary>
    public void Recorded(Guid sessionId, DateTimeOffset at) => _written[sessionId] = at;

    /// <summary>True for the one caller that should write now: no write within the interval, and no other request won the race.</summary>
    private bool Claim(Guid sessionId, DateTimeOffset now)
    {
        if (_written.TryGetValue(sessionId, out var last))
        {
            return now - last >= Interval && _written.TryUpdate(sessionId, now, last);
        }

        if (_written.Count > PruneAbove)
        {
            foreach (var (id, at) in _written)
            {
                if (now - at >= Interval)
                {
                    _written.TryRemove(new KeyValuePair<Guid, DateTimeOffset>(id, at));
                }
            }
        }

        return _written.TryAdd(sessionId, now);
    }
}
