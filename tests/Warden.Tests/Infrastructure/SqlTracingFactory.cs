using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Database;

namespace Warden.Tests.Infrastructure;

/// <summary>
/// A test server that traces the SQL each request runs, by the value of the request's <see cref="Header"/>:
/// every statement (for statement counts) and every table a committed write changed (a write rolled back with
/// its transaction, or one that matched no row, changed nothing). Background work has no request and is not traced.
/// </summary>
public sealed class SqlTracingFactory : WardenFactory
{
    public const string Header = "X-Sql-Trace";

    public SqlTrace Trace { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSqlTracing(Trace));
    }
}

public static class SqlTracing
{
    /// <summary>Traces into <paramref name="trace"/> the SQL of requests that carry <see cref="SqlTracingFactory.Header"/>: for factories of another kind.</summary>
    public static IServiceCollection AddSqlTracing(this IServiceCollection services, SqlTrace trace)
    {
        services.AddHttpContextAccessor();
        services.ConfigureDbContext<SqliteWardenDbContext>((sp, options) => options.AddInterceptors(Interceptors(sp, trace)));
        services.ConfigureDbContext<PostgresWardenDbContext>((sp, options) => options.AddInterceptors(Interceptors(sp, trace)));
        return services;
    }

    private static IInterceptor[] Interceptors(IServiceProvider services, SqlTrace trace) =>
        [new StatementTracer(trace, services.GetRequiredService<IHttpContextAccessor>()), new TransactionTracer(trace)];
}

/// <summary>What the traced requests ran, by trace id.</summary>
public sealed partial class SqlTrace
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _statements = new();
    private readonly ConcurrentDictionary<string, ConcurrentBag<string>> _committed = new();
    private readonly ConcurrentDictionary<DbTransaction, ConcurrentBag<(string TraceId, string Table)>> _pending = new();

    private static readonly AsyncLocal<string?> Ambient = new();

    /// <summary>
    /// Traces as <paramref name="traceId"/> what runs in this flow until disposed, for work no request carries (an event
    /// handler, a service called directly by the test).
    /// </summary>
    public IDisposable Tracing(string traceId)
    {
        Ambient.Value = traceId;
        return new Ends();
    }

    internal static string? AmbientTraceId => Ambient.Value;

    private sealed class Ends : IDisposable
    {
        public void Dispose() => Ambient.Value = null;
    }

    /// <summary>
    /// The statements in <paramref name="commands"/>, not the commands: PostgreSQL gets a save's statements in one
    /// batch, SQLite one at a time.
    /// </summary>
    public static IReadOnlyList<string> StatementsIn(IEnumerable<string> commands) =>
        [.. commands.SelectMany(c => StatementEnd().Split(c)).Where(s => !string.IsNullOrWhiteSpace(s))];

    [GeneratedRegex(@";\s*(?:\r?\n|$)")]
    private static partial Regex StatementEnd();

    /// <summary>Every statement the requests traced as <paramref name="traceId"/> ran, in order.</summary>
    public IReadOnlyList<string> Statements(string traceId) => _statements.TryGetValue(traceId, out var list) ? [.. list] : [];

    /// <summary>The tables whose rows the requests traced as <paramref name="traceId"/> changed for good.</summary>
    public IReadOnlyList<string> WrittenTables(string traceId) =>
        _committed.TryGetValue(traceId, out var tables) ? [.. tables.Distinct().Order(StringComparer.Ordinal)] : [];

    /// <summary>Forgets <paramref name="traceId"/>, so the next request traced with it starts empty.</summary>
    public void Forget(string traceId)
    {
        _statements.TryRemove(traceId, out _);
        _committed.TryRemove(traceId, out _);
    }

    internal void Ran(string traceId, string sql) => _statements.GetOrAdd(traceId, _ => new()).Enqueue(sql);

    internal void Wrote(string traceId, string table, DbTransaction? transaction)
    {
        if (transaction is null)
        {
            _committed.GetOrAdd(traceId, _ => []).Add(table);
        }
        else
        {
            _pending.GetOrAdd(transaction, _ => []).Add((traceId, table));
        }
    }

    internal void Committed(DbTransaction transaction)
    {
        if (_pending.TryRemove(transaction, out var writes))
        {
            foreach (var (traceId, table) in writes)
            {
                _committed.GetOrAdd(traceId, _ => []).Add(table);
            }
        }
    }

    internal void Abandoned(DbTransaction transaction) => _pending.TryRemove(transaction, out _);
}

internal sealed partial class StatementTracer(SqlTrace trace, IHttpContextAccessor http) : DbCommandInterceptor
{
    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Ran(command);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Ran(command);
        return ValueTask.FromResult(result);
    }

    // A statement that changed no row (an ExecuteUpdate that found nothing) wrote nothing.
    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        if (result > 0)
        {
            Wrote(command);
        }

        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (result > 0)
        {
            Wrote(command);
        }

        return ValueTask.FromResult(result);
    }

    // SaveChanges runs its batches as readers (for generated values): each one writes.
    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Ran(command);
        Wrote(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Ran(command);
        Wrote(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Ran(command);
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Ran(command);
        return ValueTask.FromResult(result);
    }

    private string? TraceId => http.HttpContext?.Request.Headers[SqlTracingFactory.Header].ToString() is { Length: > 0 } id ? id : SqlTrace.AmbientTraceId;

    private void Ran(DbCommand command)
    {
        if (TraceId is { } id)
        {
            trace.Ran(id, command.CommandText);
        }
    }

    private void Wrote(DbCommand command)
    {
        if (TraceId is not { } id)
        {
            return;
        }

        foreach (Match write in WritePattern().Matches(command.CommandText))
        {
            trace.Wrote(id, write.Groups[1].Value, command.Transaction);
        }
    }

    // An upsert's "ON CONFLICT ... DO UPDATE SET" writes the table its INSERT names, not one called SET.
    [GeneratedRegex("""(?:INSERT\s+INTO|(?<!DO\s+)UPDATE|DELETE\s+FROM)\s+"?([a-z_]+)"?""", RegexOptions.IgnoreCase)]
    private static partial Regex WritePattern();
}

/// <summary>Tells the trace which transactions kept their writes (one rolled back, or disposed without a commit, kept none).</summary>
internal sealed class TransactionTracer(SqlTrace trace) : DbTransactionInterceptor
{
    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => trace.Committed(transaction);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        trace.Committed(transaction);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => trace.Abandoned(transaction);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        trace.Abandoned(transaction);
        return Task.CompletedTask;
    }
}
