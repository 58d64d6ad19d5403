using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Observability;

namespace Warden.Server.Analytics;

/// <summary>
/// Gauges that count rows: active sessions and the outbox backlog. Observable gauges are read synchronously
/// during a scrape, so they report cached numbers that <see cref="RefreshAsync"/> updates, at most once per
/// <see cref="MetricsOptions.GaugeRefreshInterval"/> however often Prometheus scrapes.
/// </summary>
public sealed class DatabaseGauges : IGaugeSource, IDisposable
{
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly IOptions<MetricsOptions> _options;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private long _refreshedAt = long.MinValue;
    private long _activeSessions;
    private long _outboxBacklog;
    private long _outboxPoisoned;

    public DatabaseGauges(WardenMetrics metrics, IServiceScopeFactory scopes, TimeProvider time, IOptions<MetricsOptions> options)
    {
        _scopes = scopes;
        _time = time;
        _options = options;
        metrics.Meter.CreateObservableGauge("warden.sessions.active", () => Interlocked.Read(ref _activeSessions), "{session}",
            "Sessions signed in, unexpired and not revoked.");
        metrics.Meter.CreateObservableGauge("warden.outbox.backlog", () => Interlocked.Read(ref _outboxBacklog), "{event}",
            "Events committed and not yet delivered to every handler (poisoned ones excluded).");
        metrics.Meter.CreateObservableGauge("warden.outbox.poisoned", () => Interlocked.Read(ref _outboxPoisoned), "{event}",
            "Events that ran out of attempts and wait for an operator.");
    }

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        // Real elapsed time, not the injected clock: this limits load on the database, whatever time it is.
        if (IsFresh())
        {
            return;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (IsFresh())
            {
                return; // a concurrent scrape refreshed while this one waited
            }

            await using var scope = _scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
            var now = _time.GetUtcNow();
            Interlocked.Exchange(ref _activeSessions, await db.Sessions.LongCountAsync(
                s => s.RevokedAt == null && s.State == SessionState.Active && s.ExpiresAt > now, cancellationToken));
            var (backlog, poisoned) = await OutboxAsync(db, cancellationToken);
            Interlocked.Exchange(ref _outboxBacklog, backlog);
            Interlocked.Exchange(ref _outboxPoisoned, poisoned);
            Interlocked.Exchange(ref _refreshedAt, Stopwatch.GetTimestamp());
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>The outbox's backlog (poisoned events excluded) and its poisoned events, counted now (the gauges and the console's dashboard).</summary>
    public static async Task<(long Backlog, long Poisoned)> OutboxAsync(WardenDbContext db, CancellationToken cancellationToken) =>
        (await db.OutboxMessages.LongCountAsync(m => m.ProcessedAt == null && !m.Poisoned, cancellationToken),
         await db.OutboxMessages.LongCountAsync(m => m.Poisoned, cancellationToken));

    public void Dispose() => _refresh.Dispose();

    private bool IsFresh()
    {
        var refreshedAt = Interlocked.Read(ref _refreshedAt);
        return refreshedAt != long.MinValue && Stopwatch.GetElapsedTime(refreshedAt) < _options.Value.GaugeRefreshInterval;
    }
}
