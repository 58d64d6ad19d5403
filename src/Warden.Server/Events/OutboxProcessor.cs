using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Events;

/// <summary>
/// Claims due outbox messages and delivers each to every handler that takes it and has not completed it yet.
/// Delivery is at least once: a message is marked processed only after all its handlers completed, and a
/// batch whose dispatcher dies is taken over by any dispatcher once its lease ends.
/// </summary>
public sealed partial class OutboxProcessor(
    IServiceScopeFactory scopes,
    IEnumerable<EventHandlerRegistration> registrations,
    IOptions<OutboxOptions> options,
    TimeProvider time,
    ILogger<OutboxProcessor> logger)
{
    private readonly EventHandlerRegistration[] _registrations = [.. registrations.DistinctBy(r => r.HandlerType)];

    /// <summary>
    /// The handlers that take each event type, found once per type (<see cref="IEventHandler.CanHandle"/>'s answer is
    /// fixed for the process). Asking every registered handler for every event meant a scope and a handler, with its
    /// DbContext, for each of the two dozen handlers: as much CPU per <c>login.succeeded</c> as the few that take it.
    /// </summary>
    private readonly ConcurrentDictionary<string, EventHandlerRegistration[]> _takers = new(StringComparer.Ordinal);

    /// <summary>Claims and delivers one batch; returns how many messages it claimed (0 when nothing is due).</summary>
    public async Task<int> ProcessBatchAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var claim = Guid.CreateVersion7();
        var claimedAt = time.GetUtcNow();
        List<OutboxMessage> batch;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
            await ClaimAsync(db, claim, claimedAt, claimedAt + settings.LeaseDuration, settings.BatchSize, cancellationToken);
            batch = await db.OutboxMessages.AsNoTracking()
                .Where(m => m.ClaimId == claim && m.ProcessedAt == null)
                .OrderBy(m => m.Id)
                .ToListAsync(cancellationToken);
        }

        foreach (var message in batch)
        {
            // A stop (or a crash) mid-batch leaves the rest claimed; the lease hands them to whoever comes next.
            cancellationToken.ThrowIfCancellationRequested();
            if (time.GetUtcNow() - claimedAt > settings.LeaseDuration / 2)
            {
                claimedAt = time.GetUtcNow();
                await RenewLeaseAsync(claim, claimedAt + settings.LeaseDuration, cancellationToken);
            }

            await DeliverAsync(message, claim, cancellationToken);
        }

        return batch.Count;
    }

    /// <summary>Deletes messages delivered longer ago than the retention period; poisoned ones stay.</summary>
    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - options.Value.Retention;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        await db.HandlerCompletions
            .Where(c => db.OutboxMessages.Any(m => m.Id == c.MessageId && m.ProcessedAt != null && m.ProcessedAt < cutoff))
            .ExecuteDeleteAsync(cancellationToken);
        return await db.OutboxMessages.Where(m => m.ProcessedAt != null && m.ProcessedAt < cutoff).ExecuteDeleteAsync(cancellationToken);
    }

    private static async Task ClaimAsync(WardenDbContext db, Guid claim, DateTimeOffset now, DateTimeOffset leaseEnds, int size, CancellationToken cancellationToken)
    {
        if (db.Provider == DatabaseProvider.Postgres)
        {
            // SKIP LOCKED: nodes claiming at the same moment take disjoint rows instead of queueing behind
            // each other; the lease columns then keep the claim after this statement's row locks are gone.
            await db.Database.ExecuteSqlAsync($"""
                UPDATE outbox_messages
                SET claim_id = {claim}, locked_until = {leaseEnds}, attempts = attempts + 1
                WHERE id IN (
                    SELECT id FROM outbox_messages
                    WHERE processed_at IS NULL AND NOT poisoned
                      AND (next_attempt_at IS NULL OR next_attempt_at <= {now})
                      AND (locked_until IS NULL OR locked_until <= {now})
                    ORDER BY id
                    LIMIT {size}
                    FOR UPDATE SKIP LOCKED)
                """, cancellationToken);
            return;
        }

        // SQLite has one writer at a time, so this single conditional UPDATE is the whole claim.
        await db.OutboxMessages
            .Where(m => m.ProcessedAt == null && !m.Poisoned
                && (m.NextAttemptAt == null || m.NextAttemptAt <= now)
                && (m.LockedUntil == null || m.LockedUntil <= now))
            .OrderBy(m => m.Id)
            .Take(size)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.ClaimId, claim)
                .SetProperty(m => m.LockedUntil, leaseEnds)
                .SetProperty(m => m.Attempts, m => m.Attempts + 1), cancellationToken);
    }

    private async Task RenewLeaseAsync(Guid claim, DateTimeOffset leaseEnds, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        await db.OutboxMessages
            .Where(m => m.ClaimId == claim && m.ProcessedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.LockedUntil, leaseEnds), cancellationToken);
    }

    private async Task DeliverAsync(OutboxMessage message, Guid claim, CancellationToken cancellationToken)
    {
        var takers = await TakersOfAsync(message.Type);

        // A first claim that never failed has no completions to look up: completions are written only by a delivery,
        // every claim adds an attempt, and the operator's retry (which resets the attempts) is of a poisoned event,
        // which has its last error. That is most events, so most deliveries skip a statement.
        HashSet<string> completed = [];
        if (message.Attempts > 1 || message.LastError is not null)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
            completed = await db.HandlerCompletions.Where(c => c.MessageId == message.Id).Select(c => c.Handler).ToHashSetAsync(cancellationToken);
        }

        var errors = new List<string>();
        foreach (var registration in takers)
        {
            // A scope per handler: what one handler leaves in its DbContext is never saved with another's completion.
            await using var scope = scopes.CreateAsyncScope();
            var handler = (IEventHandler)scope.ServiceProvider.GetRequiredService(registration.HandlerType);
            if (completed.Contains(handler.Name))
            {
                continue;
            }

            try
            {
                var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
                await using var transaction = handler is IAtomicEventHandler ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
                await handler.HandleAsync(message, cancellationToken);
                db.HandlerCompletions.Add(new HandlerCompletion { MessageId = message.Id, Handler = handler.Name, CompletedAt = time.GetUtcNow() });
                await db.SaveChangesAsync(cancellationToken);
                if (transaction is not null)
                {
                    await transaction.CommitAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (DbUpdateException ex)
            {
                // Another dispatcher (which took over an expired lease) may have completed it first; then its
                // effects stand and this delivery's unsaved changes are dropped with the failed SaveChanges.
                if (!await IsCompletedAsync(message.Id, handler.Name, cancellationToken))
                {
                    errors.Add(Failed(ex, handler.Name, message));
                }
            }
            catch (Exception ex)
            {
                errors.Add(Failed(ex, handler.Name, message));
            }
        }

        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
            var now = time.GetUtcNow();
            if (errors.Count == 0)
            {
                await db.OutboxMessages.Where(m => m.Id == message.Id).ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.ProcessedAt, now)
                    .SetProperty(m => m.ClaimId, (Guid?)null)
                    .SetProperty(m => m.LockedUntil, (DateTimeOffset?)null)
                    .SetProperty(m => m.LastError, (string?)null), cancellationToken);
                return;
            }

            var settings = options.Value;
            var poisoned = message.Attempts >= settings.MaxAttempts;
            var error = string.Join(Environment.NewLine, errors);
            if (error.Length > 2000)
            {
                error = error[..2000];
            }

            await db.OutboxMessages.Where(m => m.Id == message.Id && m.ClaimId == claim).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Poisoned, poisoned)
                .SetProperty(m => m.NextAttemptAt, now + settings.RetryDelay(message.Attempts))
                .SetProperty(m => m.LastError, error)
                .SetProperty(m => m.ClaimId, (Guid?)null)
                .SetProperty(m => m.LockedUntil, (DateTimeOffset?)null), cancellationToken);
            if (poisoned)
            {
                LogPoisoned(logger, message.Type, message.Id, message.Attempts);
            }
        }
    }

    private async ValueTask<EventHandlerRegistration[]> TakersOfAsync(string eventType)
    {
        if (_takers.TryGetValue(eventType, out var known))
        {
            return known;
        }

        var takers = new List<EventHandlerRegistration>();
        foreach (var registration in _registrations)
        {
            await using var scope = scopes.CreateAsyncScope();
            if (((IEventHandler)scope.ServiceProvider.GetRequiredService(registration.HandlerType)).CanHandle(eventType))
            {
                takers.Add(registration);
            }
        }

        return _takers.GetOrAdd(eventType, [.. takers]);
    }

    private string Failed(Exception exception, string handler, OutboxMessage message)
    {
        LogHandlerFailed(logger, exception, handler, message.Type, message.Id, message.Attempts);
        return $"{handler}: {exception.GetType().Name}: {exception.Message}";
    }

    private async Task<bool> IsCompletedAsync(Guid messageId, string handler, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        return await db.HandlerCompletions.AnyAsync(c => c.MessageId == messageId && c.Handler == handler, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event handler {Handler} failed on {Type} event {EventId} (attempt {Attempt})")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string handler, string type, Guid eventId, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Event {Type} {EventId} is poisoned after {Attempts} attempts; it waits for an operator to retry it")]
    private static partial void LogPoisoned(ILogger logger, string type, Guid eventId, int attempts);
}
