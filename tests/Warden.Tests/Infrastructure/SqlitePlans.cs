using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Database;

namespace Warden.Tests.Infrastructure;

/// <summary>
/// SQLite plans without statistics, and two shapes EF Core writes make it read a whole table for one user's row: a
/// LEFT JOIN onto a subquery that joins (it cannot push the outer key in, so it builds the subquery for every user), and
/// a <c>FirstOrDefault()</c> of more than one column in a projection (SQLite has no LATERAL join, so EF Core numbers every
/// row of the table with <c>ROW_NUMBER() OVER (PARTITION BY ...)</c> and keeps the first of each). The cold account view
/// read every user's roles that way, ~300 ms of CPU per sign-in at 100,000 users, and the mail's recipient query numbered
/// every profile: a test database of a few users never showed either. EXPLAIN QUERY PLAN needs no data, so each
/// statement's plan is checked: it may scan only the role and permission catalogue, whose size does not grow with the
/// users. PostgreSQL flattens the first shape and gets a LATERAL join for the second; its plans depend on statistics and
/// are not checked here.
/// </summary>
public static partial class SqlitePlans
{
    private static readonly string[] Catalogue = ["roles", "role_permissions", "permissions"];

    /// <param name="walked">Tables the work walks on purpose, a page at a time (an export's users).</param>
    public static async Task AssertNoPerUserTableScanAsync(IServiceProvider services, IReadOnlyList<string> commands, params string[] walked)
    {
        Assert.False(TestDatabase.IsPostgres, "SQLite plans are checked on SQLite only: mark the test [SqliteOnly] or skip the call on PostgreSQL");
        Assert.NotEmpty(commands);
        using var scope = services.CreateScope();
        var connection = scope.ServiceProvider.GetRequiredService<WardenDbContext>().Database.GetDbConnection();
        await connection.OpenAsync();
        var scans = new List<string>();
        foreach (var statement in SqlTrace.StatementsIn(commands))
        {
            var tables = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match m in TableAlias().Matches(statement))
            {
                tables[m.Groups["alias"].Success ? m.Groups["alias"].Value : m.Groups["table"].Value] = m.Groups["table"].Value;
            }

            await using var explain = connection.CreateCommand();
            explain.CommandText = "EXPLAIN QUERY PLAN " + statement;
            foreach (var name in Parameter().Matches(statement).Select(m => m.Value).Distinct())
            {
                var parameter = explain.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = DBNull.Value;
                explain.Parameters.Add(parameter);
            }

            await using var plan = await explain.ExecuteReaderAsync();
            while (await plan.ReadAsync())
            {
                var step = plan.GetString(3);
                if (ScanOf().Match(step) is { Success: true } scan && tables.TryGetValue(scan.Groups[1].Value, out var table)
                    && !Catalogue.Contains(table) && !walked.Contains(table))
                {
                    scans.Add($"{step} ({table}) in:\n{statement}");
                }
            }
        }

        Assert.True(scans.Count == 0, "A statement reads a whole per-user table for one user:\n\n" + string.Join("\n\n", scans));
    }

    [GeneratedRegex(@"\b(?:FROM|JOIN|UPDATE|INTO)\s+""?(?<table>\w+)""?(?:\s+AS\s+""?(?<alias>\w+)""?)?", RegexOptions.IgnoreCase)]
    private static partial Regex TableAlias();

    [GeneratedRegex(@"@\w+")]
    private static partial Regex Parameter();

    [GeneratedRegex(@"^SCAN (\w+)")]
    private static partial Regex ScanOf();
}
