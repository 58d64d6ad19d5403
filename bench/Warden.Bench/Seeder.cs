using System.Data.Common;
using System.Diagnostics;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Warden.Server.Authorization;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Profiles;
using Warden.Server.Users;

namespace Warden.Bench;

/// <summary>
/// Bulk users straight into the database, as Warden itself would have stored them: the columns, names and
/// value conversions come from Warden's own EF model (so a column added on another branch is filled with
/// the entity's default, not forgotten), the password hash from Warden's hasher — computed once and shared,
/// which costs a login exactly what a per-user salt would. PostgreSQL gets binary COPY; SQLite one prepared
/// INSERT per row inside large transactions. Users are <c>{prefix}-{i:D7}@bench.test</c> ("Bench User i"), or with
/// <c>--addresses varied</c> realistic addresses and names computed from the index (<see cref="Addresses"/>), active,
/// verified, with the <c>user</c> role and a profile, so they can sign in and be found by name.
/// </summary>
public static class Seeder
{
    private const int BatchSize = 20_000;

    public static async Task<int> RunAsync(Options options)
    {
        var provider = options.Text("provider");
        var connection = options.Text("connection");
        var from = options.BigNumber("from");
        var to = options.BigNumber("to");
        var prefix = options.Text("prefix", "bench");
        var password = options.Text("password", "Bench-Password-42!");
        var varied = options.Text("addresses", "bench") switch
        {
            "bench" => false,
            "varied" => true,
            _ => throw new ArgumentException("--addresses must be bench or varied"),
        };
        if (to <= from)
        {
            return 0;
        }

        var stopwatch = Stopwatch.StartNew();
        if (provider is not ("sqlite" or "postgres"))
        {
            throw new ArgumentException("--provider must be sqlite or postgres");
        }

        await using var warden = WardenHost.Build(provider, connection, options.Number("memory-kib", 19456), options.Number("iterations", 2));
        await using var scope = warden.Services.CreateAsyncScope();
        var hasher = scope.ServiceProvider.GetRequiredService<IPasswordHasher<User>>();
        var passwordHash = hasher.HashPassword(new User(), password);
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        var roleId = await db.Roles.Where(r => r.Name == DefaultRoles.User).Select(r => r.Id).SingleAsync();
        await db.Database.OpenConnectionAsync();
        var dbConnection = db.Database.GetDbConnection();

        var users = TableWriter.For(db.Model.FindEntityType(typeof(User))!);
        var roles = TableWriter.For(db.Model.FindEntityType(typeof(UserRole))!);
        var profiles = TableWriter.For(db.Model.FindEntityType(typeof(UserProfile))!);

        var now = DateTimeOffset.UtcNow;
        for (var start = from; start < to; start += BatchSize)
        {
            var end = Math.Min(to, start + BatchSize);
            var batchUsers = new List<object>((int)(end - start));
            var batchRoles = new List<object>(batchUsers.Capacity);
            var batchProfiles = new List<object>(batchUsers.Capacity);
            for (var i = start; i < end; i++)
            {
                var person = varied ? Addresses.Varied(i) : Addresses.Bench(prefix, i);
                var user = new User
                {
                    Email = person.Email,
                    NormalizedEmail = person.Email.ToUpperInvariant(),
                    UserName = person.Local,
                    NormalizedUserName = person.Local.ToUpperInvariant(),
                    EmailConfirmed = true,
                    PasswordHash = passwordHash,
                    ConcurrencyStamp = Guid.NewGuid().ToString(),
                    Status = UserStatus.Active,
                    CreatedAt = now,
                    UpdatedAt = now,
                    EmailVerifiedAt = now,
                    PasswordChangedAt = now,
                };
                batchUsers.Add(user);
                batchRoles.Add(new UserRole { UserId = user.Id, RoleId = roleId, AssignedAt = now });
                batchProfiles.Add(new UserProfile
                {
                    UserId = user.Id,
                    FullName = person.FullName,
                    FirstName = person.FirstName,
                    LastName = person.LastName,
                    Timezone = "UTC",
                    Locale = "en",
                    CreatedAt = now,
                    UpdatedAt = now,
                });
            }

            if (dbConnection is NpgsqlConnection npgsql)
            {
                await users.CopyAsync(npgsql, batchUsers);
                await roles.CopyAsync(npgsql, batchRoles);
                await profiles.CopyAsync(npgsql, batchProfiles);
            }
            else
            {
                await using var transaction = await dbConnection.BeginTransactionAsync();
                await users.InsertAsync(dbConnection, transaction, batchUsers);
                await roles.InsertAsync(dbConnection, transaction, batchRoles);
                await profiles.InsertAsync(dbConnection, transaction, batchProfiles);
                await transaction.CommitAsync();
            }
        }

        if (dbConnection is NpgsqlConnection)
        {
            // Statistics as autovacuum would have them a minute later; without them the planner guesses for an empty table.
            await db.Database.ExecuteSqlRawAsync("ANALYZE users; ANALYZE user_roles; ANALYZE user_profiles;");
        }

        var seconds = stopwatch.Elapsed.TotalSeconds;
        Console.WriteLine(new Measurement
        {
            Figure = "seed",
            Db = provider,
            Users = to,
            Requests = to - from,
            Seconds = Math.Round(seconds, 2),
            Rps = Math.Round((to - from) / seconds, 0),
            Note = varied ? $"varied addresses {from}..{to - 1}" : $"{prefix}-{from:D7}..{prefix}-{to - 1:D7}",
        }.ToJson());
        return 0;
    }

    /// <summary>The columns of one entity's table, from Warden's model, with the provider's value conversions.</summary>
    private sealed class TableWriter(string table, IReadOnlyList<(IProperty Property, string Column, RelationalTypeMapping Mapping)> columns)
    {
        public static TableWriter For(IEntityType entity)
        {
            var table = entity.GetTableName()!;
            var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
            var columns = entity.GetProperties()
                .Where(p => !p.IsShadowProperty() && p.GetComputedColumnSql(store) is null)
                .Select(p => (p, p.GetColumnName(store)!, (RelationalTypeMapping)p.GetTypeMapping()))
                .ToList();
            return new TableWriter(table, columns);
        }

        private string ColumnList => string.Join(", ", columns.Select(c => $"\"{c.Column}\""));

        private object? ProviderValue(int column, object entity)
        {
            var (property, _, mapping) = columns[column];
            var value = property.GetGetter().GetClrValue(entity);
            return value is null ? null : mapping.Converter?.ConvertToProvider(value) ?? value;
        }

        public async Task CopyAsync(NpgsqlConnection connection, List<object> rows)
        {
            // The store type without its modifier ("character varying(256)" -> "character varying") names the wire type.
            var types = columns.Select(c => c.Mapping.StoreType.Split('(')[0].Trim()).ToArray();
            await using var importer = await connection.BeginBinaryImportAsync($"COPY \"{table}\" ({ColumnList}) FROM STDIN (FORMAT BINARY)");
            foreach (var row in rows)
            {
                await importer.StartRowAsync();
                for (var c = 0; c < columns.Count; c++)
                {
                    var value = ProviderValue(c, row);
                    if (value is null)
                    {
                        await importer.WriteNullAsync();
                    }
                    else
                    {
                        await importer.WriteAsync(value, types[c]);
                    }
                }
            }

            await importer.CompleteAsync();
        }

        public async Task InsertAsync(DbConnection connection, DbTransaction transaction, List<object> rows)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"INSERT INTO \"{table}\" ({ColumnList}) VALUES ({string.Join(", ", columns.Select((_, i) => "$p" + i))})";
            var parameters = new DbParameter[columns.Count];
            for (var c = 0; c < columns.Count; c++)
            {
                // The mapping configures the parameter as EF would (a Guid is TEXT on SQLite, not a BLOB).
                parameters[c] = columns[c].Mapping.CreateParameter(command, "$p" + c, columns[c].Property.GetGetter().GetClrValue(rows[0]), nullable: true);
                command.Parameters.Add(parameters[c]);
            }

            command.Prepare();
            foreach (var row in rows)
            {
                for (var c = 0; c < columns.Count; c++)
                {
                    parameters[c].Value = ProviderValue(c, row) ?? DBNull.Value;
                }

                await command.ExecuteNonQueryAsync();
            }
        }
    }
}
