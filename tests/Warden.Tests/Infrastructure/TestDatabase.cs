using Npgsql;

namespace Warden.Tests.Infrastructure;

/// <summary>
/// Which database the suite runs against: SQLite by default, PostgreSQL when ./test.sh sets
/// WARDEN_TEST_PROVIDER=postgres and WARDEN_TEST_POSTGRES (a connection string to a server where the
/// test role may create databases). Every factory gets a database of its own.
/// </summary>
public static class TestDatabase
{
    public static bool IsPostgres =>
        string.Equals(Environment.GetEnvironmentVariable("WARDEN_TEST_PROVIDER"), "postgres", StringComparison.OrdinalIgnoreCase);

    public static string ProviderName => IsPostgres ? "Postgres" : "Sqlite";

    private static string PostgresServer =>
        Environment.GetEnvironmentVariable("WARDEN_TEST_POSTGRES")
        ?? throw new InvalidOperationException(
            "WARDEN_TEST_PROVIDER=postgres needs WARDEN_TEST_POSTGRES; run the suite through ./test.sh, which starts PostgreSQL.");

    /// <summary>Creates an empty database and returns its connection string (null for SQLite: the data directory holds it).</summary>
    public static string? Create()
    {
        if (!IsPostgres)
        {
            return null;
        }

        var name = "warden_t_" + Guid.NewGuid().ToString("N")[..16];
        using (var connection = new NpgsqlConnection(PostgresServer))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"CREATE DATABASE {name}";
            command.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(PostgresServer) { Database = name }.ConnectionString;
    }

    public static void Drop(string? connectionString)
    {
        if (connectionString is null)
        {
            return;
        }

        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(PostgresServer);
        connection.Open();
        using var command = connection.CreateCommand();
        for (var attempt = 1; ; attempt++)
        {
            // FORCE may not terminate an autovacuum worker that happens to be on the database (42501: it is not
            // the test role's process); plain DROP signals autovacuum itself, so the retries use it.
            command.CommandText = attempt == 1 ? $"DROP DATABASE IF EXISTS {name} WITH (FORCE)" : $"DROP DATABASE IF EXISTS {name}";
            try
            {
                command.ExecuteNonQuery();
                return;
            }
            catch (PostgresException ex) when (ex.SqlState is "42501" or "55006" && attempt < 20)
            {
                Thread.Sleep(250);
            }
        }
    }
}
