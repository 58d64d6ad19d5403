using System.Diagnostics;
using Warden.Server.Events;
using Warden.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Warden.Tests.Events;

/// <summary>The hosted dispatcher, as it runs in production: woken by commits, polling for the rest.</summary>
public sealed class OutboxDeliveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task CommittedEventIsDeliveredPromptlyWithoutWaitingForThePoll()
    {
        // A poll interval of an hour: only the commit wake-up can deliver within the test.
        await using var factory = new EventsFactory();
        factory.With("Warden:Outbox:PollInterval", "01:00:00");
        _ = factory.Services;
        await Task.Delay(200); // let the dispatcher finish its first pass and start waiting

        var watch = Stopwatch.StartNew();
        var id = (await factory.WriteEventsAsync(EventsFactory.Recorded)).Single();
        await factory.Log.WaitForAsync("test.recording", id, TimeSpan.FromSeconds(5));
        watch.Stop();

        output.WriteLine($"commit to handler: {watch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"delivery took {watch.Elapsed}");
        await WaitProcessedAsync(factory, id);
    }

    [Fact]
    public async Task EventInAnExplicitTransactionIsDeliveredAfterTheCommit()
    {
        await using var factory = new EventsFactory();
        factory.With("Warden:Outbox:PollInterval", "01:00:00");
        _ = factory.Services;

        var id = await factory.InDbAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var written = db.AddEvent(EventsFactory.Recorded, null, new { }, factory.Time.GetUtcNow()).Id;
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
            return written;
        });

        await factory.Log.WaitForAsync("test.recording", id, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task EventWrittenInARolledBackTransactionIsNeverDelivered()
    {
        await using var factory = new EventsFactory();
        factory.With("Warden:Outbox:PollInterval", "00:00:00.100");
        _ = factory.Services;

        var rolledBack = await factory.InDbAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var written = db.AddEvent(EventsFactory.Recorded, null, new { }, factory.Time.GetUtcNow()).Id;
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
            return written;
        });

        // An event committed afterwards is delivered; the dispatcher has looked at the table since the rollback.
        var committed = (await factory.WriteEventsAsync(EventsFactory.Recorded)).Single();
        await factory.Log.WaitForAsync("test.recording", committed);
        await Task.Delay(300); // several polls

        Assert.Equal(0, factory.Log.Count("test.recording", rolledBack));
        Assert.Null(await factory.FindAsync(rolledBack));
    }

    [Fact]
    public async Task HandlerThatThrowsIsRetriedByTheHostedDispatcherAndSucceedsOnceFixed()
    {
        await using var factory = new EventsFactory();
        factory.With("Warden:Outbox:PollInterval", "00:00:00.100").With("Warden:Outbox:RetryBaseDelay", "00:00:30");
        _ = factory.Services;

        var id = (await factory.WriteEventsAsync(EventsFactory.Failing)).Single();
        await factory.Log.WaitForAsync("test.failing", id);
        var failed = await WaitAsync(factory, id, m => m.LastError is not null);
        Assert.Null(failed.ProcessedAt);
        OutboxProcessorTests.AssertInstant(factory.Time.GetUtcNow() + TimeSpan.FromSeconds(30), failed.NextAttemptAt);

        factory.Log.FailingHandlerFails = false;
        factory.Time.Advance(TimeSpan.FromSeconds(30));
        await WaitProcessedAsync(factory, id);
        Assert.Equal(2, factory.Log.Count("test.failing", id));
        Assert.Equal(1, factory.Log.Count("test.recording", id)); // completed on the first try; not run again
    }

    private static Task<OutboxMessage> WaitProcessedAsync(EventsFactory factory, Guid id) =>
        WaitAsync(factory, id, m => m.ProcessedAt is not null);

    private static Task<OutboxMessage> WaitAsync(EventsFactory factory, Guid id, Func<OutboxMessage, bool> condition) =>
        Eventually.ValueAsync(async () => await factory.FindAsync(id) is { } message && condition(message) ? message : null,
            $"event {id} to reach the expected state");
}
