using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Database;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Fuzzing;

/// <summary>
/// A test server that remembers which tables each request wrote, by the request's <see cref="CaseHeader"/>: a write
/// rolled back with its transaction is forgotten, a write by a background handler (no request) is never counted.
/// That is what "a rejected request changed nothing" is checked against.
/// </summary>
public sealed class FuzzFactory : WardenFactory
{
    public const string CaseHeader = "X-Fuzz-Case";

    public WriteLog Writes { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services =>
        {
            services.AddHttpContextAccessor();
            services.ConfigureDbContext<SqliteWardenDbContext>((sp, options) =>
                options.AddInterceptors(new WriteRecorder(Writes, sp.GetRequiredService<IHttpContextAccessor>()), new TransactionWatcher(Writes)));
        });
    }
}

/// <summary>
/// The tables written per fuzz case. A write outside a transaction counts at once; one inside a transaction counts
/// when that transaction commits (a transaction rolled back, or disposed without a commit, changed nothing).
/// </summary>
public sealed class WriteLog
{
    private readonly ConcurrentDictionary<string, ConcurrentBag<string>> _committed = new();
    private readonly ConcurrentDictionary<DbTransaction, ConcurrentBag<(string CaseId, string Table)>> _pending = new();

    public void Record(string caseId, string table, DbTransaction? transaction)
    {
        if (transaction is null)
        {
            _committed.GetOrAdd(caseId, _ => []).Add(table);
        }
        else
        {
            _pending.GetOrAdd(transaction, _ => []).Add((caseId, table));
        }
    }

    public void Committed(DbTransaction transaction)
    {
        if (_pending.TryRemove(transaction, out var writes))
        {
            foreach (var (caseId, table) in writes)
            {
                _committed.GetOrAdd(caseId, _ => []).Add(table);
            }
        }
    }

    public void Abandoned(DbTransaction transaction) => _pending.TryRemove(transaction, out _);

    /// <summary>The tables <paramref name="caseId"/> wrote and kept, and forgets them.</summary>
    public IReadOnlyList<string> Take(string caseId) =>
        _committed.TryRemove(caseId, out var tables) ? [.. tables.Distinct().Order(StringComparer.Ordinal)] : [];
}

internal sealed partial class WriteRecorder(WriteLog log, IHttpContextAccessor http) : DbCommandInterceptor
{
    // A statement that changed no row (an ExecuteUpdate that found nothing) wrote nothing.
    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        if (result > 0)
        {
            Note(command);
        }

        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (result > 0)
        {
            Note(command);
        }

        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Note(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Note(command);
        return ValueTask.FromResult(result);
    }

    private void Note(DbCommand command)
    {
        if (http.HttpContext?.Request.Headers[FuzzFactory.CaseHeader].ToString() is not { Length: > 0 } caseId)
        {
            return;
        }

        foreach (Match write in WritePattern().Matches(command.CommandText))
        {
            log.Record(caseId, write.Groups[1].Value, command.Transaction);
        }
    }

    [GeneratedRegex("""(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([a-z_]+)"?""", RegexOptions.IgnoreCase)]
    private static partial Regex WritePattern();
}

/// <summary>Tells the log which transactions kept their writes.</summary>
internal sealed class TransactionWatcher(WriteLog log) : DbTransactionInterceptor
{
    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => log.Committed(transaction);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        log.Committed(transaction);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => log.Abandoned(transaction);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        log.Abandoned(transaction);
        return Task.CompletedTask;
    }
}
