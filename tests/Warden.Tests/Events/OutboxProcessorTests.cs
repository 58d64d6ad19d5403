using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Events;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Events;

/// <summary>The processor driven by the test (hosted dispatcher off), with the clock moved by hand.</summary>
public sealed class OutboxProcessorTests
{
    [Fact]
    public async Task HandlerThatThrowsIsRetriedWithBackoffAndThenPoisoned()
    {
        await using var factory = EventsFactory.Manual(("Warden:Outbox:MaxAttempts", "3"), ("Warden:Outbox:RetryBaseDelay", "00:00:10"));
        var id = (await factory.WriteEventsAsync(EventsFactory.Failing)).Single();

        Assert.Equal(1, await factory.Processor.ProcessBatchAsync(default));
        var afterFirst = (await factory.FindAsync(id))!;
        Assert.Equal(1, afterFirst.Attempts);
        Assert.False(afterFirst.Poisoned);
        Assert.Null(afterFirst.ProcessedAt);
        Assert.Contains("the mail server is down", afterFirst.LastError, StringComparison.Ordinal);
        AssertInstant(factory.Time.GetUtcNow().AddSeconds(10), afterFirst.NextAttemptAt);

        // Not due yet: nothing is claimed until the backoff has passed.
        Assert.Equal(0, await factory.Processor.ProcessBatchAsync(default));
        factory.Time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, await factory.Processor.ProcessBatchAsync(default));

        factory.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await factory.Processor.ProcessBatchAsync(default));
        AssertInstant(factory.Time.GetUtcNow().AddSeconds(20), (await factory.FindAsync(id))!.NextAttemptAt); // doubled

        factory.Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(1, await factory.Processor.ProcessBatchAsync(default));
        var poisoned = (await factory.FindAsync(id))!;
        Assert.True(poisoned.Poisoned);
        Assert.Equal(3, poisoned.Attempts);
        Assert.Equal(3, factory.Log.Count("test.failing", id));

        factory.Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await factory.DrainAsync());
        Assert.Equal(3, factory.Log.Count("test.failing", id));
        // The other handler of the event completed on the first attempt and never ran again.
        Assert.Equal(1, factory.Log.Count("test.recording", id));
    }

    [Fact]
    public async Task AHandlerIsAskedOnceWhetherItTakesAnEventTypeAndIsNotMadeForEventsItDoesNotTake()
    {
        await using var factory = EventsFactory.Manual();
        await factory.WriteEventsAsync(EventsFactory.Crashing, count: 5); // the crashing handler's type, never the recording one's

        Assert.Equal(5, await factory.DrainAsync());
        Assert.Equal(1, factory.Log.RecordingHandlersMade); // asked about test.crashing once, then left out

        var recorded = await factory.WriteEventsAsync(EventsFactory.Recorded, count: 3);
        Assert.Equal(3, await factory.DrainAsync());
        Assert.All(recorded, id => Assert.Equal(1, factory.Log.Count("test.recording", id)));
        Assert.Equal(1 + 1 + 1, factory.Log.RecordingHandlersMade); // asked about test.recorded once, then one for the batch
    }

    [Fact]
    public async Task AnAtomicHandlerTakesABatchInOneTransactionAndWhenOneEventFailsTheOthersCompleteOnceAndOnlyThatOneIsRetried()
    {
        await using var factory = EventsFactory.Manual(("Warden:Outbox:RetryBaseDelay", "00:00:10"));
        var written = await factory.WriteEventsAsync(EventsFactory.Atomic, 5);
        var ids = await factory.InDbAsync(db => db.OutboxMessages.Where(m => written.Contains(m.Id)).OrderBy(m => m.Id).Select(m => m.Id).ToListAsync()); // the batch's order
        factory.Log.AtomicFailsOn = ids[2];

        Assert.Equal(5, await factory.Processor.ProcessBatchAsync(default));

        // Together first, up to the failure, which rolled back the whole batch; then each alone.
        Assert.Equal([2, 2, 2, 1, 1], ids.Select(id => factory.Log.Count("test.atomic", id)));
        var effects = await Task.WhenAll(ids.Select(EffectsAsync));
        Assert.Equal([1, 1, 0, 1, 1], effects);
        var states = await Task.WhenAll(ids.Select(factory.FindAsync));
        Assert.Equal([true, true, false, true, true], states.Select(m => m!.ProcessedAt is not null));
        Assert.Contains("fails on this event", states[2]!.LastError, StringComparison.Ordinal);

        factory.Log.AtomicFailsOn = null;
        factory.Time.Advance(TimeSpan.FromSeconds(10));
        await factory.DrainAsync(); // the retry, and the follow-up events (no handler takes them)
        Assert.NotNull((await factory.FindAsync(ids[2]))!.ProcessedAt);
        effects = await Task.WhenAll(ids.Select(EffectsAsync));
        Assert.Equal([1, 1, 1, 1, 1], effects);
        Assert.Equal([2, 2, 3, 1, 1], ids.Select(id => factory.Log.Count("test.atomic", id)));

        Task<int> EffectsAsync(Guid id) =>
            factory.InDbAsync(db => db.OutboxMessages.CountAsync(m => m.Type == EventsFactory.ChainEffect && m.Subject == id));
    }

    [Fact]
    public async Task AnAtomicHandlersBatchWithoutFailuresHasEachEffectOnce()
    {
        await using var factory = EventsFactory.Manual();
        var ids = await factory.WriteEventsAsync(EventsFactory.Atomic, 5);

        Assert.Equal(5, await factory.Processor.ProcessBatchAsync(default));

        Assert.All(ids, id => Assert.Equal(1, factory.Log.Count("test.atomic", id)));
        Assert.Equal(5, await factory.InDbAsync(db => db.OutboxMessages.CountAsync(m => m.Type == EventsFactory.ChainEffect && ids.Contains(m.Subject!.Value))));
    }

    /// <summary>Stored instants keep 0.1 ms (SQLite) or 1 µs (PostgreSQL).</summary>
    internal static void AssertInstant(DateTimeOffset expected, DateTimeOffset? actual)
    {
        Assert.NotNull(actual);
        Assert.InRange((actual.Value - expected).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task PoisonedEventIsListedAndCanBeRetried()
    {
        await using var factory = EventsFactory.Manual(("Warden:Outbox:MaxAttempts", "1"));
        var id = (await factory.WriteEventsAsync(EventsFactory.Failing)).Single();
        await factory.DrainAsync();

        await factory.InScopeAsync(async services =>
        {
            var poisoned = services.GetRequiredService<PoisonedEvents>();
            Assert.Equal([id], (await poisoned.ListAsync(10, default)).Select(m => m.Id));

            factory.Log.FailingHandlerFails = false;
            Assert.True(await poisoned.RetryAsync(id, DateTimeOffset.UtcNow, default));
            Assert.False(await poisoned.RetryAsync(id, DateTimeOffset.UtcNow, default)); // no longer poisoned
            Assert.Equal(2, await factory.DrainAsync()); // the event, and the retry's own outbox.event_retried

            var delivered = (await factory.FindAsync(id))!;
            Assert.NotNull(delivered.ProcessedAt);
            Assert.False(delivered.Poisoned);
            Assert.Empty(await poisoned.ListAsync(10, default));
        });
    }

    [Fact]
    public async Task RedeliveredEventHasOneEffect()
    {
        await using var factory = EventsFactory.Manual();
        var id = (await factory.WriteEventsAsync(EventsFactory.Chained)).Single();
        await factory.DrainAsync();

        // Delivered again, as after a crash between the handler finishing and the message being marked.
        await factory.InDbAsync(db => db.OutboxMessages.Where(m => m.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.ProcessedAt, (DateTimeOffset?)null)));
        Assert.Equal(1, await factory.Processor.ProcessBatchAsync(default));

        Assert.Equal(1, factory.Log.Count("test.chaining", id));
        Assert.Equal(1, await factory.InDbAsync(db => db.OutboxMessages.CountAsync(m => m.Type == EventsFactory.ChainEffect && m.Subject == id)));
        Assert.NotNull((await factory.FindAsync(id))!.ProcessedAt);
    }

    [Fact]
    public async Task HandlerRunTwiceConcurrentlyForOneEventHasOneEffect()
    {
        // Two dispatchers both deliver the event (a lease ran out mid-handler): the completion key admits one.
        await using var factory = EventsFactory.Manual(("Warden:Outbox:LeaseDuration", "00:00:01"));
        var id = (await factory.WriteEventsAsync(EventsFactory.Chained)).Single();

        var message = (await factory.FindAsync(id))!;
        var results = await Task.WhenAll(RunChainingHandlerAsync(factory, message), RunChainingHandlerAsync(factory, message));

        Assert.Single(results, saved => saved);
        Assert.Equal(1, await factory.InDbAsync(db => db.OutboxMessages.CountAsync(m => m.Type == EventsFactory.ChainEffect && m.Subject == id)));
    }

    private static async Task<bool> RunChainingHandlerAsync(EventsFactory factory, OutboxMessage message)
    {
        // What the processor does for one (event, handler): run it, then save its changes with the completion.
        return await factory.InScopeAsync(async services =>
        {
            var handler = services.GetRequiredService<ChainingHandler>();
            await handler.HandleAsync(message, default);
            var db = services.GetRequiredService<Warden.Server.Infrastructure.Database.WardenDbContext>();
            db.HandlerCompletions.Add(new HandlerCompletion { MessageId = message.Id, Handler = handler.Name, CompletedAt = factory.Time.GetUtcNow() });
            try
            {
                await db.SaveChangesAsync();
                return true;
            }
            catch (DbUpdateException)
            {
                return false;
            }
        });
    }

    [Fact]
    public async Task DispatcherKilledMidBatchLeavesTheRestToTheNextOneAfterTheLease()
    {
        await using var factory = EventsFactory.Manual(("Warden:Outbox:LeaseDuration", "00:02:00"));
        var ids = await factory.WriteEventsAsync(EventsFactory.Crashing, 5);
        using var crash = new CancellationTokenSource();
        factory.Log.CrashSource = crash;
        factory.Log.CrashOnInvocation = 3;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => factory.Processor.ProcessBatchAsync(crash.Token));

        // The batch is marked when all its handlers are through it: all five stay claimed, and the first two have
        // their completions.
        var states = await Task.WhenAll(ids.Select(factory.FindAsync));
        Assert.All(states, m => Assert.True(m!.ProcessedAt is null && m.LockedUntil is not null));
        Assert.Equal(2, await factory.InDbAsync(db => db.HandlerCompletions.CountAsync(c => ids.Contains(c.MessageId) && c.Handler == "test.crashing")));

        // A restarted dispatcher respects the dead one's lease, then takes over when it ends.
        Assert.Equal(0, await factory.DrainAsync());
        factory.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(5, await factory.DrainAsync());

        states = await Task.WhenAll(ids.Select(factory.FindAsync));
        Assert.All(states, m => Assert.NotNull(m!.ProcessedAt));
        // Each event once, except the one it died in (its handler was cut off before completing).
        Assert.Equal([1, 1, 1, 1, 2], ids.Select(id => factory.Log.Count("test.crashing", id)).Order());
        Assert.Equal(ids.Length, await factory.InDbAsync(db => db.HandlerCompletions.CountAsync(c => ids.Contains(c.MessageId) && c.Handler == "test.crashing")));
    }

    [Fact]
    public async Task ConcurrentDispatchersClaimDisjointBatches()
    {
        await using var factory = EventsFactory.Manual(("Warden:Outbox:BatchSize", "5"));
        var ids = await factory.WriteEventsAsync(EventsFactory.Recorded, 60);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(factory.DrainAsync)));

        Assert.All(ids, id => Assert.Equal(1, factory.Log.Count("test.recording", id)));
        Assert.Equal(60, await factory.InDbAsync(db => db.OutboxMessages.CountAsync(m => m.ProcessedAt != null && m.Attempts == 1)));
    }

    [Fact]
    public async Task DeliveredEventsArePrunedAfterTheRetentionPeriodButPoisonedOnesStay()
    {
        await using var factory = EventsFactory.Manual(("Warden:Outbox:Retention", "7.00:00:00"), ("Warden:Outbox:MaxAttempts", "1"));
        var delivered = (await factory.WriteEventsAsync(EventsFactory.Recorded)).Single();
        var poisoned = (await factory.WriteEventsAsync(EventsFactory.Failing)).Single();
        await factory.DrainAsync();

        factory.Time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await factory.Processor.PruneAsync(default));
        factory.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await factory.Processor.PruneAsync(default));

        Assert.Null(await factory.FindAsync(delivered));
        Assert.NotNull(await factory.FindAsync(poisoned));
        Assert.Equal(0, await factory.InDbAsync(db => db.HandlerCompletions.CountAsync(c => c.MessageId == delivered)));
    }

    [Fact]
    public async Task EventWithoutHandlersIsMarkedDelivered()
    {
        await using var factory = EventsFactory.Manual();
        var id = (await factory.WriteEventsAsync("test.nobody_listens")).Single();
        Assert.Equal(1, await factory.DrainAsync());
        Assert.NotNull((await factory.FindAsync(id))!.ProcessedAt);
    }
}
