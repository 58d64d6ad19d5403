using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Warden.Server.Infrastructure.Database;

/// <summary>
/// Work that must follow a commit, not precede it: run at once when the context has no open transaction (its last
/// statement committed itself), else when that transaction commits, and never when it rolls back. For caches shared
/// between nodes: an entry written before the commit can be overwritten by a node that read the old row meanwhile.
/// </summary>
public sealed class AfterCommit : IDbTransactionInterceptor
{
    // Contexts are pooled and used by one request at a time; the table remembers, per context, what waits on its
    // open transaction (the outbox's wake-up, the session cache's revocation marks).
    private readonly ConditionalWeakTable<DbContext, List<Action>> _pending = [];

    public void Run(DbContext db, Action action)
    {
        if (db.Database.CurrentTransaction is null)
        {
            action();
            return;
        }

        _pending.GetOrCreateValue(db).Add(action);
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Committed(eventData.Context);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Committed(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Forget(eventData.Context);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => Forget(eventData.Context);

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    private void Committed(DbContext? context)
    {
        if (context is not null && _pending.TryGetValue(context, out var actions))
        {
            _pending.Remove(context);
            foreach (var action in actions)
            {
                action();
            }
        }
    }

    private void Forget(DbContext? context)
    {
        if (context is not null)
        {
            _pending.Remove(context);
        }
    }
}
