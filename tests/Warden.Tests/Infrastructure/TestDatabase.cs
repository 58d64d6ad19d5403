using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Warden.Server.Infrastructure.Database;

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

    /// <summary>
    /// A database of its own with Warden's schema already in place (null for SQLite: the data directory holds it),
    /// so the server's start-up finds no migration to apply. On PostgreSQL it is a copy of one migrated template —
    /// copying takes a fraction of a second where applying every migration to each test class's database took
    /// seconds. The template is named after the migrations it holds and kept between runs; a new migration makes a
    /// new one.
    /// </summary>
    public static string? Create() => IsPostgres ? CreatePostgres(MigratedTemplate.Value) : null;

    /// <summary>
    /// SQLite's counterpart of <see cref="Create"/>: puts a copy of a migrated database file into
    /// <paramref name="dataDirectory"/> as the server's <c>warden.db</c>, so a test class's server starts without
    /// applying every migration (which was seconds of each class's start). The template is built once per test run,
    /// in this process: nothing from an earlier build can be mistaken for the current schema. The server's own
    /// creation of the file (owner-only, migrated by <c>warden migrate</c>) is tested on empty directories.
    /// </summary>
    public static void CopySqliteTemplate(string dataDirectory)
    {
        var target = Path.Combine(dataDirectory, "warden.db");
        File.Copy(SqliteTemplate.Value, target);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static readonly Lazy<string> SqliteTemplate = new(() =>
    {
        var directory = Path.Combine(Path.GetTempPath(), "warden-tests");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"template-{Environment.ProcessId}-{Guid.NewGuid():N}.db");
        var connectionString = $"Data Source={path};Pooling=False";
        using (var context = new SqliteWardenDbContext(new DbContextOptionsBuilder<SqliteWardenDbContext>().UseSqlite(connectionString)
            .UseApplicationServiceProvider(Warden.Server.Migrations.DesignTimeServices.Create()).Options))
        {
            context.Database.Migrate();
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    });

    /// <summary>An empty database, for the tests of migrating itself (null for SQLite).</summary>
    public static string? CreateEmpty() => IsPostgres ? CreatePostgres(template: null) : null;

    private static readonly Lazy<string> MigratedTemplate = new(CreateMigratedTemplate);

    private static string CreatePostgres(string? template)
    {
        var name = "warden_t_" + Guid.NewGuid().ToString("N")[..16];
        using var connection = new NpgsqlConnection(PostgresServer);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = template is null ? $"CREATE DATABASE {name}" : $"CREATE DATABASE {name} TEMPLATE {template}";
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                command.ExecuteNonQuery();
                return ConnectionStringFor(name);
            }
            catch (PostgresException ex) when (ex.SqlState == "55006" && attempt < 20)
            {
                // "source database is being accessed by other users": the template's own migration connection closing.
                Thread.Sleep(100);
            }
        }
    }

    private static string CreateMigratedTemplate()
    {
        using var probe = Context(ConnectionStringFor("postgres"));
        var migrations = string.Join('\n', probe.Database.GetMigrations());
        var name = "warden_tpl_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(migrations)))[..16];

        using var connection = new NpgsqlConnection(PostgresServer);
        connection.Open();
        using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection))
        {
            exists.Parameters.AddWithValue("name", name);
            if (exists.ExecuteScalar() is not null)
            {
                return name;
            }
        }

        // Built under a name of its own and renamed when complete, so a run killed half-way never leaves a template
        // that looks finished.
        var building = CreatePostgres(template: null);
        try
        {
            using var context = Context(building);
            context.Database.Migrate();
        }
        catch
        {
            Drop(building);
            throw;
        }

        NpgsqlConnection.ClearAllPools();
        var buildingName = new NpgsqlConnectionStringBuilder(building).Database;
        using var rename = new NpgsqlCommand($"ALTER DATABASE {buildingName} RENAME TO {name}", connection);
        try
        {
            rename.ExecuteNonQuery();
        }
        catch (PostgresException ex) when (ex.SqlState == "42P04")
        {
            Drop(building); // another test process finished the same template first
        }

        return name;
    }

    // The model reads Identity's schema version from the application's services, as at design time.
    private static PostgresWardenDbContext Context(string connectionString) =>
        new(new DbContextOptionsBuilder<PostgresWardenDbContext>().UseNpgsql(connectionString)
            .UseApplicationServiceProvider(Warden.Server.Migrations.DesignTimeServices.Create()).Options);

    private static string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(PostgresServer) { Database = database }.ConnectionString;

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
