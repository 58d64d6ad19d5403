using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Warden.Server.Infrastructure.Database;

/// <summary>
/// What a seeder reads to learn that it has nothing to do, in plain SQL on the context's connection rather than as
/// LINQ: every start after the first finds the defaults in place, and the seeders' LINQ queries (tracked roles with
/// their permissions, the administrator through <c>UserManager</c>, the scopes through OpenIddict) were about a quarter
/// of the CPU before the first readiness answer — EF Core compiling each query and building the change tracker's
/// snapshot and accessor expressions for every entity type loaded (bench/RESULTS.md, "start3"). A seeder that finds
/// something missing takes its usual LINQ path. Tables and columns come from the model, so both providers read alike;
/// the statements bypass EF Core's command logging.
/// </summary>
public static class SeedCheck
{
    /// <summary>Every value of one property in its table: for small tables only (permissions, roles, scopes).</summary>
    public static async Task<HashSet<string>> ValuesAsync<TEntity>(WardenDbContext db, string property, CancellationToken cancellationToken)
    {
        var (table, column) = Names<TEntity>(db, property);
        var values = new HashSet<string>(StringComparer.Ordinal);
        await ReadAsync(db, $"SELECT {column} FROM {table}", parameter: null, async reader =>
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (!reader.IsDBNull(0))
                {
                    values.Add(reader.GetString(0));
                }
            }
        }, cancellationToken);
        return values;
    }

    /// <summary>Whether a row of the table has <paramref name="value"/> in the property (its own mapping binds it).</summary>
    public static async Task<bool> AnyAsync<TEntity>(WardenDbContext db, string property, object value, CancellationToken cancellationToken)
    {
        var (table, column) = Names<TEntity>(db, property);
        var mapping = db.Model.FindEntityType(typeof(TEntity))!.FindProperty(property)!.GetRelationalTypeMapping();
        var found = false;
        await ReadAsync(db, $"SELECT 1 FROM {table} WHERE {column} = @p LIMIT 1", command => mapping.CreateParameter(command, "p", value, nullable: false),
            async reader => found = await reader.ReadAsync(cancellationToken), cancellationToken);
        return found;
    }

    /// <summary>Whether the table has any row.</summary>
    public static async Task<bool> AnyAsync<TEntity>(WardenDbContext db, CancellationToken cancellationToken)
    {
        var (table, _) = Names<TEntity>(db, property: null);
        var found = false;
        await ReadAsync(db, $"SELECT 1 FROM {table} LIMIT 1", parameter: null, async reader => found = await reader.ReadAsync(cancellationToken), cancellationToken);
        return found;
    }

    private static (string Table, string? Column) Names<TEntity>(WardenDbContext db, string? property)
    {
        var entity = db.Model.FindEntityType(typeof(TEntity)) ?? throw new InvalidOperationException($"{typeof(TEntity).Name} is not in the model.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        return (sql.DelimitIdentifier(table.Name, table.Schema),
            property is null ? null : sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(table)!));
    }

    private static async Task ReadAsync(
        WardenDbContext db, string text, Func<DbCommand, DbParameter>? parameter, Func<DbDataReader, Task> read, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = text;
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            if (parameter is not null)
            {
                command.Parameters.Add(parameter(command));
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await read(reader);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
