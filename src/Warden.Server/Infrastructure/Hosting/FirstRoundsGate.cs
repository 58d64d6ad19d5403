namespace Warden.Server.Infrastructure.Hosting;

/// <summary>
/// Holds back the background jobs' first rounds (<see cref="PeriodicJob"/>, <see cref="DrainLoop"/>) until the server
/// has answered its first readiness check with "ready", or, when nothing asks, <see cref="Grace"/> after the host
/// started. Measured on a 2-core machine (bench/RESULTS.md, "second pass"): the first rounds of the cleanup, outbox,
/// webhook, audit and reminder jobs each compile their own EF Core queries and took ~10% of the CPU before the first
/// readiness answer, on the same cores as the start itself; none of them is needed to serve. Nothing a request needs
/// waits here: migrations, seeding and the keys run before Kestrel listens, and a drain loop that is woken (this node
/// queued work) starts at once.
/// </summary>
public sealed class FirstRoundsGate
{
    /// <summary>
    /// Long enough for a slow start: on the loaded 2-core machine the first readiness answer came 5-20 s after
    /// Kestrel listened, and a shorter grace let the rounds run before it again. Real time, not the injected
    /// <see cref="TimeProvider"/>: it bounds a real start-up, and tests that move a manual clock must not open it.
    /// </summary>
    internal static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FirstRoundsGate(IHostApplicationLifetime lifetime)
    {
        // Registered after the host started, the callback runs at once.
        lifetime.ApplicationStarted.Register(() => _ = OpenAfterGraceAsync(lifetime.ApplicationStopping));
    }

    public bool IsOpen => _open.Task.IsCompleted;

    /// <summary>The server answered "ready": the start is over.</summary>
    public void Open() => _open.TrySetResult();

    public Task WaitAsync(CancellationToken cancellationToken) => _open.Task.WaitAsync(cancellationToken);

    private async Task OpenAfterGraceAsync(CancellationToken stopping)
    {
        try
        {
            await Task.Delay(Grace, TimeProvider.System, stopping);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Open();
    }
}
