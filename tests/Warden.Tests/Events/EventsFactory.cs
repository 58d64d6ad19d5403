using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Events;

/// <summary>A server with test handlers; <see cref="Log"/> records what they did.</summary>
public sealed class EventsFactory : WardenFactory
{
    public const string Recorded = "test.recorded";
    public const string Failing = "test.failing";
    public const string Chained = "test.chained";
    public const string ChainEffect = "test.chain_effect";
    public const string Crashing = "test.crashing";
    public const string Atomic = "test.atomic";

    public HandlerLog Log { get; } = new();

    /// <summary>A server whose hosted dispatcher is off, so a test drives <see cref="OutboxProcessor"/> itself.</summary>
    public static EventsFactory Manual(params (string Key, string Value)[] settings)
    {
        var factory = new EventsFactory();
        factory.With("Warden:Outbox:DispatcherEnabled", "false");
        foreach (var (key, value) in settings)
        {
            factory.With(key, value);
        }

        _ = factory.Services; // start it (migrations run)
        return factory;
    }

    public OutboxProcessor Processor => Services.GetRequiredService<OutboxProcessor>();

    /// <summary>Writes events in one SaveChanges and returns their ids.</summary>
    public Task<Guid[]> WriteEventsAsync(string type, int count = 1) =>
        this.InDbAsync(async db =>
        {
            var ids = Enumerable.Range(0, count).Select(i => db.AddEvent(type, null, new { index = i }, Time.GetUtcNow()).Id).ToArray();
            await db.SaveChangesAsync();
            return ids;
        });

    public Task<OutboxMessage?> FindAsync(Guid id) =>
        this.InDbAsync(db => db.OutboxMessages.AsNoTracking().SingleOrDefaultAsync(m => m.Id == id));

    /// <summary>Runs the processor until nothing is due.</summary>
    public async Task<int> DrainAsync()
    {
        var total = 0;
        int claimed;
        while ((claimed = await Processor.ProcessBatchAsync(CancellationToken.None)) > 0)
        {
            total += claimed;
        }

        return total;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services =>
        {
            services.AddSingleton(Log);
            services.AddEventHandler<RecordingHandler>();
            services.AddEventHandler<FailingHandler>();
            services.AddEventHandler<ChainingHandler>();
            services.AddEventHandler<CrashingHandler>();
            services.AddEventHandler<AtomicHandler>();
        });
    }
}

public sealed class HandlerLog
{
    /// <summary>(handler, event id) → how many times the handler was invoked.</summary>
    public ConcurrentDictionary<(string Handler, Guid EventId), int> Invocations { get; } = new();

    private volatile bool _failingHandlerFails = true;

    public bool FailingHandlerFails
    {
        get => _failingHandlerFails;
        set => _failingHandlerFails = value;
    }

    /// <summary>The crashing handler's n-th invocation (1-based) cancels this source, as a process kill would stop everything.</summary>
    public CancellationTokenSource? CrashSource { get; set; }

    public int CrashOnInvocation { get; set; }

    /// <summary>The event <see cref="AtomicHandler"/> fails on, after doing its work.</summary>
    public Guid? AtomicFailsOn { get; set; }

    private int _recordingHandlers;

    /// <summary>How many <see cref="RecordingHandler"/>s were made: the dispatcher makes one to ask what it takes, and one per delivery.</summary>
    public int RecordingHandlersMade => _recordingHandlers;

    public void RecordingHandlerMade() => Interlocked.Increment(ref _recordingHandlers);

    public int Count(string handler, Guid id) => Invocations.GetValueOrDefault((handler, id));

    public int Record(string handler, Guid id) => Invocations.AddOrUpdate((handler, id), 1, (_, n) => n + 1);

    public Task WaitForAsync(string handler, Guid id, TimeSpan? timeout = null) =>
        Eventually.TrueAsync(() => Count(handler, id) > 0, $"{handler} to receive event {id}", timeout);
}

public sealed class RecordingHandler : IEventHandler
{
    private readonly HandlerLog _log;

    public RecordingHandler(HandlerLog log)
    {
        _log = log;
        log.RecordingHandlerMade();
    }

    public string Name => "test.recording";

    public bool CanHandle(string eventType) => eventType is EventsFactory.Recorded or EventsFactory.Failing;

    public Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        _log.Record(Name, message.Id);
        return Task.CompletedTask;
    }
}

public sealed class FailingHandler(HandlerLog log) : IEventHandler
{
    public string Name => "test.failing";

    public bool CanHandle(string eventType) => eventType == EventsFactory.Failing;

    public Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        log.Record(Name, message.Id);
        return log.FailingHandlerFails ? throw new InvalidOperationException("the mail server is down") : Task.CompletedTask;
    }
}

/// <summary>Its effect is a database change it leaves unsaved: a follow-up event naming the original as subject.</summary>
public sealed class ChainingHandler(HandlerLog log, WardenDbContext db, TimeProvider time) : IEventHandler
{
    public string Name => "test.chaining";

    public bool CanHandle(string eventType) => eventType == EventsFactory.Chained;

    public Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        log.Record(Name, message.Id);
        db.AddEvent(EventsFactory.ChainEffect, message.Id, new { }, time.GetUtcNow());
        return Task.CompletedTask;
    }
}

public sealed class CrashingHandler(HandlerLog log) : IEventHandler
{
    public string Name => "test.crashing";

    public bool CanHandle(string eventType) => eventType == EventsFactory.Crashing;

    public Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var invocation = log.Invocations.Where(i => i.Key.Handler == Name).Sum(i => i.Value) + 1;
        log.Record(Name, message.Id);
        if (invocation == log.CrashOnInvocation && log.CrashSource is { } crash)
        {
            crash.Cancel();
            cancellationToken.ThrowIfCancellationRequested();
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// An <see cref="IAtomicEventHandler"/> whose effect is saved at once, inside the dispatcher's transaction (a follow-up
/// event naming the original as subject), then a failure on the event <see cref="HandlerLog.AtomicFailsOn"/> names.
/// </summary>
public sealed class AtomicHandler(HandlerLog log, WardenDbContext db, TimeProvider time) : IAtomicEventHandler
{
    public string Name => "test.atomic";

    public bool CanHandle(string eventType) => eventType == EventsFactory.Atomic;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        log.Record(Name, message.Id);
        db.AddEvent(EventsFactory.ChainEffect, message.Id, new { }, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        if (message.Id == log.AtomicFailsOn)
        {
            throw new InvalidOperationException("the atomic handler fails on this event");
        }
    }
}
