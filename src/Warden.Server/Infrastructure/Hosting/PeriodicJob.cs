namespace Warden.Server.Infrastructure.Hosting;

/// <summary>
/// A background job that runs one round every <see cref="Interval"/>, each round in a DI scope of its own. A failed
/// round is logged and the job goes on at the next interval: a database that is briefly unreachable must not stop
/// the cleanup for good. Only shutdown ends it. Waits go through the injected <see cref="TimeProvider"/>, so tests
/// move the clock instead of sleeping. A first round that does not wait an interval waits for the host's
/// <see cref="FirstRoundsGate"/> (the first readiness answer), so that it does not compete with the start.
/// </summary>
public abstract class PeriodicJob(IServiceScopeFactory scopes, FirstRoundsGate gate, TimeProvider time) : BackgroundService
{
    protected TimeProvider Time { get; } = time;

    /// <summary>Read before every wait rather than once, so a changed setting applies from the next round.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>Whether the first round waits one interval too; by default it runs as soon as the start is over.</summary>
    protected virtual bool WaitsBeforeFirstRun => false;

    /// <summary>
    /// Runs one round now, outside the schedule (tests, start-up checks); failures are the caller's. Returns what
    /// the job counts (rows deleted, reminders queued).
    /// </summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await RunAsync(scope.ServiceProvider, cancellationToken);
    }

    /// <summary>One round, with the services of its own scope.</summary>
    protected abstract Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken);

    /// <summary>Says what failed; the job tries again at the next interval.</summary>
    protected abstract void LogFailed(Exception exception);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (WaitsBeforeFirstRun)
            {
                await Task.Delay(Interval, Time, stoppingToken);
            }
            else
            {
                await gate.WaitAsync(stoppingToken);
            }

            while (true)
            {
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
                // A cancellation is not survived but ends the job: at shutdown that is the point (caught below).
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFailed(ex);
                }

                await Task.Delay(Interval, Time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown, not a failure.
        }
    }
}
