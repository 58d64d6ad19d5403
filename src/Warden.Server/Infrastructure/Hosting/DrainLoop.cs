using System.Diagnostics;

namespace Warden.Server.Infrastructure.Hosting;

/// <summary>
/// A loop that empties a queue kept in the database: it processes batches until one comes back empty, prunes at
/// most once an hour, then waits for its <see cref="WakeSignal"/> (this node queued work) or the poll interval
/// (other nodes' rows, retries that came due), whichever comes first. A failed pass is logged and retried one poll
/// interval later, so an unreachable or not yet migrated database does not end it. The first pass waits for the
/// <see cref="FirstRoundsGate"/> (the first readiness answer) or a wake-up, whichever comes first.
/// </summary>
public abstract class DrainLoop(WakeSignal signal, FirstRoundsGate gate, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);

    /// <summary>The longest wait between passes when nothing wakes the loop.</summary>
    protected abstract TimeSpan PollInterval { get; }

    /// <summary>
    /// The least time from the start of one pass to the start of the next, so that work arriving steadily (one item
    /// per request under load) is taken in batches rather than one item per pass; work after a quiet spell is taken at
    /// once. Zero by default. Measured in real time, like the poll interval: it paces the loop's own work.
    /// </summary>
    protected virtual TimeSpan GatherWindow => TimeSpan.Zero;

    /// <summary>Checked once at start: a loop turned off by its settings never runs.</summary>
    protected virtual bool Enabled => true;

    /// <summary>Processes one batch; returns how many items it took, 0 when nothing is left.</summary>
    protected abstract Task<int> ProcessBatchAsync(CancellationToken cancellationToken);

    /// <summary>Deletes what is done and no longer needed; called after a drain, at most once an hour.</summary>
    protected virtual Task PruneAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Says what failed; the loop tries again at the next poll.</summary>
    protected abstract void LogPassFailed(Exception exception);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        try
        {
            await WaitForStartAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        DateTimeOffset? prunedAt = null;
        long? passStarted = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (passStarted is { } started && GatherWindow - Stopwatch.GetElapsedTime(started) is { Ticks: > 0 } gather)
                {
                    await Task.Delay(gather, stoppingToken);
                }

                passStarted = Stopwatch.GetTimestamp();
                while (await ProcessBatchAsync(stoppingToken) > 0)
                {
                }

                var now = time.GetUtcNow();
                if (prunedAt is null || now - prunedAt >= PruneEvery)
                {
                    await PruneAsync(stoppingToken);
                    prunedAt = now;
                }

                await signal.WaitAsync(PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogPassFailed(ex);
                try
                {
                    // A plain wait: after a failure, a wake-up is no reason to try again sooner.
                    await Task.Delay(PollInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task WaitForStartAsync(CancellationToken stoppingToken)
    {
        using var first = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var woken = signal.WaitAsync(Timeout.InfiniteTimeSpan, first.Token);
        await Task.WhenAny(gate.WaitAsync(first.Token), woken);
        // Cancels the wait that did not finish: a read left pending on the signal would swallow a later wake-up.
        first.Cancel();
        stoppingToken.ThrowIfCancellationRequested();
    }
}
