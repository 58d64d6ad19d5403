using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Events;

/// <summary>
/// Wakes the dispatcher once outbox rows are committed (<see cref="AfterCommit"/>: after SaveChanges when no explicit
/// transaction is open, otherwise after that transaction commits). A rolled-back transaction wakes nothing (and its
/// rows never existed for the dispatcher to find).
/// </summary>
internal sealed class OutboxCommitInterceptor(OutboxSignal signal, AfterCommit afterCommit) : ISaveChangesInterceptor
{
    // Contexts are pooled and used by one thread at a time; the table remembers, between saving and saved, that this
    // save writes outbox rows (their state is Unchanged once saved).
    private readonly ConditionalWeakTable<DbContext, object> _saving = [];
    private static readonly object Marker = new();

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Note(eventData.Context);
        return result;
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Note(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Saved(eventData.Context);
        return result;
    }

    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Saved(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public void SaveChangesFailed(DbContextErrorEventData eventData)
    {
        if (eventData.Context is { } context)
        {
            _saving.Remove(context);
        }
    }

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        SaveChangesFailed(eventData);
        return Task.CompletedTask;
    }

    private void Note(DbContext? context)
    {
        if (context is not null && context.ChangeTracker.Entries<OutboxMessage>().Any(e => e.State == EntityState.Added))
        {
            _saving.AddOrUpdate(context, Marker);
        }
    }

    private void Saved(DbContext? context)
    {
        if (context is not null && _saving.Remove(context))
        {
            afterCommit.Run(context, signal.Wake);
        }
    }
}
