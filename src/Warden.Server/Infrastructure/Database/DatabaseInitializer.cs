using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Database;

/// <summary>Brings a database to the current schema and makes sure the defaults exist.</summary>
public sealed partial class DatabaseInitializer(
    IServiceScopeFactory scopes,
    IEnumerable<IDatabaseSeeder> seeders,
    IOptions<WardenOptions> warden,
    ILogger<DatabaseInitializer> logger)
{
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        PrivateFiles.CreateDirectory(warden.Value.DataPath());
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            // EF Core takes a database-wide migration lock (an advisory lock on PostgreSQL, a lock row on
            // SQLite), so several nodes starting together migrate one at a time and the others then find
            // nothing pending.
            LogMigrating(logger, pending.Count, string.Join(", ", pending));
            await db.Database.MigrateAsync(cancellationToken);
        }

        if (db.Provider == DatabaseProvider.Sqlite)
        {
            // WAL lets readers proceed while one writer commits; the setting persists in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }

    public async Task<bool> HasPendingMigrationsAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        return (await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any();
    }

    /// <summary>Runs every module's <see cref="IDatabaseSeeder"/>, in registration order.</summary>
    public async Task SeedAsync(CancellationToken cancellationToken = default)
    {
        foreach (var seeder in seeders)
        {
            await using var scope = scopes.CreateAsyncScope();
            await seeder.SeedAsync(scope.ServiceProvider, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying {Count} migration(s): {Migrations}")]
    private static partial void LogMigrating(ILogger logger, int count, string migrations);
}

/// <summary>Migrates (when configured) and seeds before the server accepts requests.</summary>
internal sealed class DatabaseStartup(DatabaseInitializer initializer, IOptions<DatabaseOptions> options, ILogger<DatabaseStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MigrateOnStart)
        {
            await initializer.MigrateAsync(cancellationToken);
        }
        else if (await initializer.HasPendingMigrationsAsync(cancellationToken))
        {
            // A rolling deployment migrates with `migrate` from one place; until then this node stays
            // up but not ready, and /health/ready says why.
            logger.LogWarning("Migrations are pending and Warden:Database:MigrateOnStart is off; run `migrate`. Not ready until then");
            return;
        }

        await initializer.SeedAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
