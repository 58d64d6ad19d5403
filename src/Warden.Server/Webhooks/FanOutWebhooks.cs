using System.Text;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Webhooks;

/// <summary>
/// Every event → a delivery row per matching subscription. Only rows are written here; the
/// <see cref="WebhookSender"/> does the HTTP, so a slow or failing receiver never holds up the dispatcher, the
/// other handlers or the request that caused the event. The rows are saved (and the sender woken) here rather
/// than with the completion, so the sender finds them at once; the unique (subscription, event) key and the
/// check below make a repeated delivery of the event add nothing.
/// </summary>
public sealed class FanOutWebhooks(WardenDbContext db, WebhookSignal signal, TimeProvider time) : IEventHandler
{
    public string Name => "webhooks.fan-out";

    public bool CanHandle(string eventType) => true;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var subscriptions = await db.WebhookSubscriptions.AsNoTracking()
            .Select(s => new { s.Id, s.EventTypes })
            .ToListAsync(cancellationToken);
        var matching = subscriptions
            .Where(s => WebhookSubscription.Matches(s.EventTypes.Split(' ', StringSplitOptions.RemoveEmptyEntries), message.Type))
            .Select(s => s.Id)
            .ToList();
        if (matching.Count == 0)
        {
            return;
        }

        var existing = await db.WebhookDeliveries
            .Where(d => d.EventId == message.Id)
            .Select(d => d.SubscriptionId)
            .ToListAsync(cancellationToken);
        var payload = Encoding.UTF8.GetString(EventEnvelope.Serialize(message));
        var now = time.GetUtcNow();
        foreach (var subscription in matching.Except(existing))
        {
            db.WebhookDeliveries.Add(new WebhookDelivery
            {
                SubscriptionId = subscription,
                EventId = message.Id,
                EventType = message.Type,
                Payload = payload,
                CreatedAt = now,
                NextAttemptAt = now,
            });
        }

        await db.SaveChangesAsync(cancellationToken);
        signal.Wake();
    }
}
