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
/// <remarks>
/// A batch is delivered handler by handler: each handler takes the batch's messages it handles, in the batch's order (by
/// id), in one scope, and an <see cref="IAtomicEventHandler"/> takes them in one transaction. Delivered message by
/// message, every event cost a scope, a handler, a DbContext and a commit for each of its handlers (four or five for a
/// sign-in): more statements and CPU than the sign-in request's own. Handlers must not rely on another handler having
/// seen the same event first; none does (the new-sign-in check, for one, leaves the event itself out of its queries).
/// </remarks>
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
        HashSet<(Guid MessageId, string Handler)> completed = [];
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
            await ClaimAsync(db, claim, claimedAt, claimedAt + settings.LeaseDuration, settings.BatchSize, cancellationToken);
            batch = await db.OutboxMessages.AsNoTracking()
                .Where(m => m.ClaimId == claim && m.ProcessedAt == null)
                .OrderBy(m => m.Id)
                .ToListAsync(cancellationToken);

            // A first claim that never failed has no completions to look up: completions are written only by a
            // delivery, every claim adds an attempt, and the operator's retry (which resets the attempts) is of a
            // poisoned event, which has its last error. That is most events, so most batches skip this statement.
            var redelivered = batch.Where(m => m.Attempts > 1 || m.LastError is not null).Select(m => m.Id).ToList();
            if (redelivered.Count > 0)
            {
                var rows = await db.HandlerCompletions.Where(c => redelivered.Contains(c.MessageId))
                    .Select(c => new { c.MessageId, c.Handler }).ToListAsync(cancellationToken);
                completed = [.. rows.Select(c => (c.MessageId, c.Handler))];
            }
        }

        var takers = new Dictionary<string, EventHandlerRegistration[]>(StringComparer.Ordinal);
        foreach (var type in batch.Select(m => m.Type).Distinct())
        {
            takers[type] = await TakersOfAsync(type);
        }

        var errors = new Dictionary<Guid, List<string>>();
        foreach (var registration in _registrations)
        {
            var messages = batch.Where(m => takers[m.Type].Contains(registration)).ToList();
            if (messages.Count == 0)
            {
                continue;
            }

            // A stop (or a crash) mid-batch leaves it claimed; the lease hands it to whoever comes next, and the
            // completions saved so far keep the handlers that finished from running again.
            cancellationToken.ThrowIfCancellationRequested();
            if (time.GetUtcNow() - claimedAt > settings.LeaseDuration / 2)
            {
                claimedAt = time.GetUtcNow();
                await RenewLeaseAsync(claim, claimedAt + settings.LeaseDuration, cancellationToken);
            }

            await DeliverAsync(registration, messages, completed, errors, cancellationToken);
        }

        await FinishAsync(batch, claim, errors, cancellationToken);
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

    /// <summary>Delivers the batch's messages that <paramref name="registration"/> takes, in order.</summary>
    private async Task DeliverAsync(
        EventHandlerRegistration registration,
        List<OutboxMessage> messages,
        HashSet<(Guid MessageId, string Handler)> completed,
        Dictionary<Guid, List<string>> errors,
        CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        try
        {
            var handler = (IEventHandler)scope.ServiceProvider.GetRequiredService(registration.HandlerType);
            var pending = messages.Where(m => !completed.Contains((m.Id, handler.Name))).ToList();

            // An atomic handler's work is database statements only, so its messages can share one transaction and one
            // commit. If any of them fails, the transaction rolls back as a whole and they are delivered again one by
            // one below, which tells the failing one apart and completes the others.
            if (handler is IAtomicEventHandler && pending.Count > 1)
            {
                if (await TryDeliverTogetherAsync(scope.ServiceProvider, handler, pending, cancellationToken))
                {
                    return;
                }

                await scope.DisposeAsync();
                scope = scopes.CreateAsyncScope();
            }

            // One by one, each saved with its own completion, so what a handler did outside the database (a mail) for
            // one message is never repeated because a later one failed. The scope is kept until a delivery fails: what
            // a failed delivery left in its DbContext must never be saved with the next one's completion.
            foreach (var message in pending)
            {
                if (await DeliverOneAsync(scope.ServiceProvider, registration.HandlerType, message, cancellationToken) is { } error)
                {
                    (errors.TryGetValue(message.Id, out var list) ? list : errors[message.Id] = []).Add(error);
                    await scope.DisposeAsync();
                    scope = scopes.CreateAsyncScope();
                }
            }
        }
        finally
        {
            await scope.DisposeAsync();
        }
    }

    private async Task<bool> TryDeliverTogetherAsync(IServiceProvider services, IEventHandler handler, List<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<WardenDbContext>();
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // Saved message by message, as if they came one at a time, so the handler sees what it did for the earlier
            // ones; inside one transaction that rolls back as a whole, a save needs no savepoint of its own.
            db.Database.AutoSavepointsEnabled = false;
            foreach (var message in messages)
            {
                await handler.HandleAsync(message, cancellationToken);
                db.HandlerCompletions.Add(new HandlerCompletion { MessageId = message.Id, Handler = handler.Name, CompletedAt = time.GetUtcNow() });
                await db.SaveChangesAsync(cancellationToken);
                // Saved rows need no tracking, and every save's interceptors walk all that is tracked.
                db.ChangeTracker.Clear();
            }

            await transaction.CommitAsync(cancellationToken);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            LogTogetherFailed(logger, ex, handler.Name, messages.Count);
            return false;
        }
        finally
        {
            db.Database.AutoSavepointsEnabled = true; // the context goes back to the pool
        }
    }

    /// <summary>Delivers one message to the scope's handler and saves its completion; returns the error, or null.</summary>
    private async Task<string?> DeliverOneAsync(IServiceProvider services, Type handlerType, OutboxMessage message, CancellationToken cancellationToken)
    {
        var handler = (IEventHandler)services.GetRequiredService(handlerType);
        try
        {
            var db = services.GetRequiredService<WardenDbContext>();
            await using var transaction = handler is IAtomicEventHandler ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
            await handler.HandleAsync(message, cancellationToken);
            db.HandlerCompletions.Add(new HandlerCompletion { MessageId = message.Id, Handler = handler.Name, CompletedAt = time.GetUtcNow() });
            await db.SaveChangesAsync(cancellationToken);
            if (transaction is not null)
            {
                await transaction.CommitAsync(cancellationToken);
            }

            db.ChangeTracker.Clear(); // the scope may take the next message: see TryDeliverTogetherAsync
            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (DbUpdateException ex)
        {
            // Another dispatcher (which took over an expired lease) may have completed it first; then its effects
            // stand and this delivery's unsaved changes are dropped with the failed SaveChanges.
            return await IsCompletedAsync(message.Id, handler.Name, cancellationToken) ? null : Failed(ex, handler.Name, message);
        }
        catch (Exception ex)
        {
            return Failed(ex, handler.Name, message);
        }
    }

    /// <summary>Marks the messages all of whose handlers completed as processed, in one statement, and the rest for a retry.</summary>
    private async Task FinishAsync(List<OutboxMessage> batch, Guid claim, Dictionary<Guid, List<string>> errors, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        var now = time.GetUtcNow();
        var delivered = batch.Where(m => !errors.ContainsKey(m.Id)).Select(m => m.Id).ToList();
        if (delivered.Count > 0)
        {
            await db.OutboxMessages.Where(m => delivered.Contains(m.Id)).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.ProcessedAt, now)
                .SetProperty(m => m.ClaimId, (Guid?)null)
                .SetProperty(m => m.LockedUntil, (DateTimeOffset?)null)
                .SetProperty(m => m.LastError, (string?)null), cancellationToken);
        }

        var settings = options.Value;
        foreach (var message in batch.Where(m => errors.ContainsKey(m.Id)))
        {
            var poisoned = message.Attempts >= settings.MaxAttempts;
            var error = string.Join(Environment.NewLine, errors[message.Id]);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Event handler {Handler} failed on a batch of {Count} events; delivering them one by one")]
    private static partial void LogTogetherFailed(ILogger logger, Exception exception, string handler, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Event {Type} {EventId} is poisoned after {Attempts} attempts; it waits for an operator to retry it")]
    private static partial void LogPoisoned(ILogger logger, string type, Guid eventId, int attempts);
}
