using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Database;

public static class DatabaseServiceCollectionExtensions
{
    /// <summary>
    /// Adds the singleton <typeparamref name="TInterceptor"/> to both provider contexts (only the configured one is
    /// ever built); the interceptor itself is registered by its module.
    /// </summary>
    public static IServiceCollection AddDbInterceptor<TInterceptor>(this IServiceCollection services)
        where TInterceptor : class, Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor
    {
        services.ConfigureDbContext<SqliteWardenDbContext>((sp, options) => options.AddInterceptors(sp.GetRequiredService<TInterceptor>()));
        services.ConfigureDbContext<PostgresWardenDbContext>((sp, options) => options.AddInterceptors(sp.GetRequiredService<TInterceptor>()));
        return services;
    }

    public static IServiceCollection AddWardenDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<DatabaseOptions, DatabaseOptionsValidator>(configuration, DatabaseOptions.Section);

        // The provider decides the context type (each carries its own migrations), so it is read here, once.
        var configured = configuration[$"{DatabaseOptions.Section}:Provider"];
        var provider = DatabaseProvider.Sqlite;
        if (!string.IsNullOrWhiteSpace(configured) && !Enum.TryParse(configured, ignoreCase: true, out provider))
        {
            throw new OptionsValidationException(DatabaseOptions.Section, typeof(DatabaseOptions),
                [$"{DatabaseOptions.Section}:Provider must be Sqlite or Postgres (got '{configured}')."]);
        }
        if (provider == DatabaseProvider.Postgres)
        {
            services.AddDbContextPool<WardenDbContext, PostgresWardenDbContext>((sp, options) =>
                options.UseNpgsql(PostgresConnectionString(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString)).AddInterceptors(sp.GetRequiredService<AfterCommit>())
                    .ReplaceService<IMigrationsAssembly, ProviderMigrationsAssembly>());
        }
        else
        {
            services.AddDbContextPool<WardenDbContext, SqliteWardenDbContext>((sp, options) =>
            {
                var warden = sp.GetRequiredService<IOptions<WardenOptions>>().Value;
                var connectionString = SqliteConnectionString(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value, warden);
                CreatePrivateDatabaseFile(connectionString, warden);
                options.UseSqlite(connectionString).AddInterceptors(sp.GetRequiredService<AfterCommit>())
                    .ReplaceService<IMigrationsAssembly, ProviderMigrationsAssembly>();
            });
        }

        services.AddSingleton<DatabaseInitializer>();
        services.AddSingleton<AfterCommit>();
        return services;
    }

    /// <summary>
    /// The operator's PostgreSQL connection string with Npgsql's automatic preparation on, unless it says otherwise.
    /// Npgsql then prepares a statement on the server once a pooled connection has run it a few times, and keeps it
    /// across the pool's reuse: PostgreSQL stops parsing and planning the same few dozen statements of the hot paths
    /// on every request, which cost it more than executing them (bench/RESULTS.md, "Admin list and search at a
    /// million users"). <c>Max Auto Prepare=0</c> turns it off, for a pooler that cannot hold prepared statements
    /// (PgBouncer in transaction mode before 1.21).
    /// </summary>
    internal static string PostgresConnectionString(string? configured)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = configured };
        if (given.ContainsKey("Max Auto Prepare") || given.ContainsKey("MaxAutoPrepare"))
        {
            return configured!;
        }

        return new Npgsql.NpgsqlConnectionStringBuilder(configured) { MaxAutoPrepare = AutoPreparedStatements }.ConnectionString;
    }

    /// <summary>Statements each pooled connection keeps prepared (the least recently used make room).</summary>
    public const int AutoPreparedStatements = 64;

    /// <summary>
    /// SQLite creates its file with the process umask (0644 usually: readable by every local account) and its -wal and
    /// -shm files with the database file's mode. Created first here, empty and 0600, the whole database stays private.
    /// The data directory is made (0700) when the database is in it; another folder must exist, as SQLite requires.
    /// </summary>
    private static void CreatePrivateDatabaseFile(string connectionString, WardenOptions warden)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        var source = builder.DataSource;
        if (builder.Mode is not SqliteOpenMode.ReadWriteCreate || string.IsNullOrEmpty(source) || source == ":memory:"
            || source.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var path = Path.GetFullPath(source);
        var directory = Path.GetDirectoryName(path)!;
        if (directory == warden.DataPath())
        {
            PrivateFiles.CreateDirectory(directory);
        }

        if (Directory.Exists(directory))
        {
            PrivateFiles.EnsureExists(path);
        }
    }

    internal static string SqliteConnectionString(DatabaseOptions database, WardenOptions warden) =>
        !string.IsNullOrWhiteSpace(database.ConnectionString)
            ? database.ConnectionString
            : $"Data Source={warden.DataPath("warden.db")};Pooling=True;Default Timeout=30";
}
