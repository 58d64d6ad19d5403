using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Events;

/// <summary>Events that ran out of attempts: listed for operators and put back in the queue on request.</summary>
public sealed class PoisonedEvents(WardenDbContext db, OutboxSignal signal)
{
    public Task<List<OutboxMessage>> ListAsync(int limit, CancellationToken cancellationToken) =>
        db.OutboxMessages.AsNoTracking()
            .Where(m => m.Poisoned)
            .OrderBy(m => m.Id)
            .Take(Math.Clamp(limit, 1, 1000))
            .ToListAsync(cancellationToken);

    /// <summary>
    /// Gives a poisoned event a fresh set of attempts; false when it is not (or no longer) poisoned. The retry is an event
    /// of its own (<c>outbox.event_retried</c>, audited with the administrator as actor), committed with the change.
    /// </summary>
    public async Task<bool> RetryAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var type = await db.OutboxMessages.Where(m => m.Id == id && m.Poisoned).Select(m => m.Type).SingleOrDefaultAsync(cancellationToken);
        var updated = type is null ? 0 : await db.OutboxMessages
            .Where(m => m.Id == id && m.Poisoned)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Poisoned, false)
                .SetProperty(m => m.Attempts, 0)
                .SetProperty(m => m.NextAttemptAt, (DateTimeOffset?)null), cancellationToken);
        if (updated > 0)
        {
            db.AddEvent(EventTypes.OutboxEventRetried, null, new { eventId = id, eventType = type }, now);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            signal.Wake();
        }

        return updated > 0;
    }
}
