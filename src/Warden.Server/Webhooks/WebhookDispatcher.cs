using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Webhooks;

/// <summary>Runs the sender when woken by new deliveries and at every poll interval (retries that came due, other nodes' rows).</summary>
internal sealed partial class WebhookDispatcher(
    WebhookSender sender,
    WebhookSignal signal,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    FirstRoundsGate gate,
    ILogger<WebhookDispatcher> logger) : DrainLoop(signal, gate, time)
{
    protected override TimeSpan PollInterval => options.Value.PollInterval;

    protected override Task<int> ProcessBatchAsync(CancellationToken cancellationToken) => sender.SendDueAsync(cancellationToken);

    protected override Task PruneAsync(CancellationToken cancellationToken) => sender.PruneAsync(cancellationToken);

    protected override void LogPassFailed(Exception exception) => LogPassFailed(logger, exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook sending failed; retrying at the next poll")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
