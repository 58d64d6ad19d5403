using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Warden.Server.Administration;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Administration;

/// <summary>
/// PostgreSQL uses an expression index only for a query whose expression is the index's own: these tests read the
/// plan of the search's SQL, as EF Core writes it, to prove that email and username are matched through the one
/// trigram index (migration AdminSearchIndex) and the profile name through its own.
/// </summary>
public sealed class UserSearchPlanTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    [PostgresOnly]
    public async Task TheSearchReadsTheTrigramIndexesAndScansNoTable()
    {
        _ = factory.CreateClient();
        var (sql, plan) = await factory.InDbAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            // A test database is small enough that a table scan would be cheaper: forbid it, so that only a missing
            // or unmatched index can bring it back.
            // Plain index scans too: on a table this small the name branch's join would otherwise read the profiles'
            // primary key whole and filter, where a million rows take the trigram index (bench/RESULTS.md).
            await db.Database.ExecuteSqlRawAsync("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off");
            var matching = ListUsers.Matching(db, db.Users, "%" + ListUsers.EscapeLike("bench-0280327") + "%")
                .Select(branch => branch.Select(u => u.Id))
                .Aggregate((a, b) => a.Union(b));
            await using var command = matching.CreateDbCommand();
            command.Transaction = transaction.GetDbTransaction();
            var text = command.CommandText;
            command.CommandText = "EXPLAIN " + text;
            var lines = new StringBuilder();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    lines.AppendLine(reader.GetString(0));
                }
            }

            return (text, lines.ToString());
        });

        var shown = $"SQL:\n{sql}\nPlan:\n{plan}";
        Assert.True(plan.Contains(UserSearchIndexes.UsersIndex, StringComparison.Ordinal), shown);
        Assert.True(plan.Contains("ix_user_profiles_full_name_trgm", StringComparison.Ordinal), shown);
        Assert.False(plan.Contains("Seq Scan", StringComparison.Ordinal), shown);
        Assert.False(plan.Contains("ix_users_email_trgm", StringComparison.Ordinal), shown);
    }

    [Fact]
    [PostgresOnly]
    public async Task TheSearchIndexesTakeNewRowsAtOnceNotIntoAPendingList()
    {
        _ = factory.CreateClient();
        var options = await factory.InDbAsync(db => db.Database
            .SqlQueryRaw<string>("""
                SELECT c.relname || ':' || coalesce(array_to_string(c.reloptions, ','), '') AS "Value"
                FROM pg_class c WHERE c.relname IN ('ix_users_email_user_name_trgm', 'ix_user_profiles_full_name_trgm')
                ORDER BY c.relname
                """)
            .ToListAsync());

        // PostgreSQL keeps the spelling given: 'false' from the model, 'off' from the migration's SQL.
        Assert.Collection(options,
            profile => Assert.Matches("^ix_user_profiles_full_name_trgm:fastupdate=(off|false)$", profile),
            users => Assert.Matches("^ix_users_email_user_name_trgm:fastupdate=(off|false)$", users));
    }
}
