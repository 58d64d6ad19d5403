using Microsoft.Extensions.Options;

namespace Warden.Server.Webhooks;

/// <summary>Runs the sender when woken by new deliveries and at every poll interval (retries that came due, other nodes' rows).</summary>
internal sealed partial class WebhookDispatcher(
    WebhookSender sender,
    WebhookSignal signal,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = options.Value.PollInterval;
        DateTimeOffset? prunedAt = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await sender.SendDueAsync(stoppingToken) > 0)
                {
                }

                var now = time.GetUtcNow();
                if (prunedAt is null || now - prunedAt >= PruneEvery)
                {
                    await sender.PruneAsync(stoppingToken);
                    prunedAt = now;
                }

                await signal.WaitAsync(poll, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogPassFailed(logger, ex);
                try
                {
                    await Task.Delay(poll, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook sending failed; retrying at the next poll")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
