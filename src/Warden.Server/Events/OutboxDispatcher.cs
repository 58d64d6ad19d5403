using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Events;

/// <summary>
/// Runs the processor whenever this node commits events (woken by <see cref="OutboxCommitInterceptor"/>) and
/// at every poll interval for the rest: other nodes' events, retries that came due, expired leases.
/// </summary>
internal sealed partial class OutboxDispatcher(
    OutboxProcessor processor,
    OutboxSignal signal,
    IOptions<OutboxOptions> options,
    TimeProvider time,
    FirstRoundsGate gate,
    ILogger<OutboxDispatcher> logger) : DrainLoop(signal, gate, time)
{
    protected override bool Enabled => options.Value.DispatcherEnabled;

    protected override TimeSpan PollInterval => options.Value.PollInterval;

    /// <summary>
    /// Under a stream of sign-ins every request commits an event and wakes the loop; taken one at a time, each event
    /// cost its handlers' scopes, transactions and commits on its own. A tenth of a second gathers them into batches
    /// (<see cref="OutboxProcessor"/> delivers a batch handler by handler), and delays an event by at most that.
    /// </summary>
    protected override TimeSpan GatherWindow => TimeSpan.FromMilliseconds(100);

    protected override Task<int> ProcessBatchAsync(CancellationToken cancellationToken) => processor.ProcessBatchAsync(cancellationToken);

    protected override async Task PruneAsync(CancellationToken cancellationToken)
    {
        var pruned = await processor.PruneAsync(cancellationToken);
        if (pruned > 0)
        {
            LogPruned(logger, pruned);
        }
    }

    protected override void LogPassFailed(Exception exception) => LogPassFailed(logger, exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox dispatch failed; retrying at the next poll")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Count} delivered outbox message(s)")]
    private static partial void LogPruned(ILogger logger, int count);
}
