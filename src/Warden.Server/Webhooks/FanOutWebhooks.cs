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
/// <remarks>
/// The copy is made from the event as it is inside this handler's own transaction, read again with a lock, because an account erasure may redact the event meanwhile: either the erasure committed
/// first and the copy is redacted, or it waits for this commit (SQLite: one writer at a time; PostgreSQL: the row
/// lock against its redaction) and <see cref="WebhookPersonalData"/> redacts the copy after its own commit.
/// </remarks>
public sealed class FanOutWebhooks(WardenDbContext db, WebhookSignal signal, TimeProvider time) : IEventHandler
{
    /// <summary>
    /// The subscriptions, read once per instance: the dispatcher hands a batch of events (a fraction of a second's) to
    /// one instance, and most installations have none, so most events then cost no statement here.
    /// </summary>
    private List<(Guid Id, string[] EventTypes)>? _subscriptions;

    public string Name => "webhooks.fan-out";

    public bool CanHandle(string eventType) => true;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        _subscriptions ??= (await db.WebhookSubscriptions.AsNoTracking()
                .Select(s => new { s.Id, s.EventTypes })
                .ToListAsync(cancellationToken))
            .Select(s => (s.Id, s.EventTypes.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            .ToList();
        var matching = _subscriptions
            .Where(s => WebhookSubscription.Matches(s.EventTypes, message.Type))
            .Select(s => s.Id)
            .ToList();
        if (matching.Count == 0)
        {
            return;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var data = await CurrentDataAsync(message.Id, cancellationToken);
        if (data is null)
        {
            return; // pruned meanwhile: nothing left to send
        }

        var existing = await db.WebhookDeliveries
            .Where(d => d.EventId == message.Id)
            .Select(d => d.SubscriptionId)
            .ToListAsync(cancellationToken);

        var payload = Encoding.UTF8.GetString(EventEnvelope.Serialize(new OutboxMessage
        {
            Id = message.Id, Type = message.Type, Subject = message.Subject, Data = data, OccurredAt = message.OccurredAt,
        }));
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
        await transaction.CommitAsync(cancellationToken);
        signal.Wake();
    }

    private Task<string?> CurrentDataAsync(Guid id, CancellationToken cancellationToken) =>
        db.Provider == DatabaseProvider.Postgres
            ? db.OutboxMessages.FromSql($"SELECT * FROM outbox_messages WHERE id = {id} FOR UPDATE").Select(m => m.Data).SingleOrDefaultAsync(cancellationToken)
            : db.OutboxMessages.Where(m => m.Id == id).Select(m => m.Data).SingleOrDefaultAsync(cancellationToken);
}
