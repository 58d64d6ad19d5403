using Microsoft.Extensions.Options;

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
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.DispatcherEnabled)
        {
            return;
        }

        DateTimeOffset? prunedAt = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await processor.ProcessBatchAsync(stoppingToken) > 0)
                {
                }

                var now = time.GetUtcNow();
                if (prunedAt is null || now - prunedAt >= PruneEvery)
                {
                    var pruned = await processor.PruneAsync(stoppingToken);
                    prunedAt = now;
                    if (pruned > 0)
                    {
                        LogPruned(logger, pruned);
                    }
                }

                await signal.WaitAsync(settings.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database is unreachable or not migrated yet; try again at the next poll.
                LogPassFailed(logger, ex);
                try
                {
                    await Task.Delay(settings.PollInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox dispatch failed; retrying at the next poll")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Count} delivered outbox message(s)")]
    private static partial void LogPruned(ILogger logger, int count);
}
