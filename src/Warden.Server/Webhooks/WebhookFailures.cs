using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Webhooks;

/// <summary>Deliveries that did not arrive: retrying (an attempt failed, another is scheduled) and dead (every attempt failed).</summary>
public sealed record WebhookFailureCounts(long Retrying, long Dead);

/// <summary>How webhook delivery is going, across every subscription (the console's dashboard).</summary>
public static class WebhookFailures
{
    public static async Task<WebhookFailureCounts> CountAsync(WardenDbContext db, CancellationToken cancellationToken) =>
        new(await db.WebhookDeliveries.LongCountAsync(d => d.Status == WebhookDeliveryStatus.Retrying, cancellationToken),
            await db.WebhookDeliveries.LongCountAsync(d => d.Status == WebhookDeliveryStatus.Dead, cancellationToken));
}
