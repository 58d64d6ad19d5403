using System.Threading.Channels;

namespace Warden.Server.Infrastructure.Hosting;

/// <summary>
/// Wakes a polling background loop early when this node knows there is work, so it need not wait for the
/// next poll. One pending wake-up is enough: the loop drains everything it can each time it wakes.
/// </summary>
public abstract class WakeSignal
{
    private readonly Channel<bool> _wakeUps = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Wake() => _wakeUps.Writer.TryWrite(true);

    /// <summary>Returns when woken or when <paramref name="timeout"/> has passed.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            await _wakeUps.Reader.ReadAsync(timer.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The poll interval passed.
        }
    }
}
