using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Webhooks;

/// <summary>
/// Webhook deliveries keep a copy of each event they send (the signed body) for
/// <c>Warden:Webhooks:DeliveryRetention</c>, so they hold the same personal data as the events: the export lists
/// which events about the user went out, and erasure redacts every kept body that is about the user or names
/// them, as the outbox is redacted (<see cref="OutboxRedaction"/>: type, time and ids stay, every other text goes).
/// A delivery still pending sends the redacted body.
/// </summary>
public sealed class WebhookPersonalData(WardenDbContext db) : IPersonalData
{
    public string Name => "webhookDeliveries";

    public async Task<object?> ExportAsync(Guid userId, CancellationToken cancellationToken)
    {
        var id = userId.ToString("D");
        var rows = await db.WebhookDeliveries.AsNoTracking()
            .Where(d => d.Payload.Contains(id))
            .OrderBy(d => d.CreatedAt).ThenBy(d => d.Id)
            .Select(d => new { d.EventId, d.EventType, d.CreatedAt, d.Status, d.DeliveredAt })
            .ToListAsync(cancellationToken);
        return rows.Select(d => new { d.EventId, d.EventType, d.CreatedAt, Status = d.Status.ToString().ToLowerInvariant(), d.DeliveredAt }).ToList();
    }

    public Task EraseAsync(Guid userId, CancellationToken cancellationToken) => RedactAsync(userId, cancellationToken);

    /// <summary>
    /// Once more after the commit: a fan-out that copied the event before the erasure committed, and had to wait
    /// for it, has committed its copy by now (<see cref="FanOutWebhooks"/>).
    /// </summary>
    public async Task AfterErasureAsync(Guid userId, CancellationToken cancellationToken)
    {
        await RedactAsync(userId, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task RedactAsync(Guid userId, CancellationToken cancellationToken)
    {
        var id = userId.ToString("D");
        var deliveries = await db.WebhookDeliveries.Where(d => d.Payload.Contains(id)).ToListAsync(cancellationToken);
        foreach (var delivery in deliveries)
        {
            delivery.Payload = OutboxRedaction.Redact(delivery.Payload);
        }
    }
}
