using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Database;

public static class DatabaseServiceCollectionExtensions
{
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
                options.UseNpgsql(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString));
        }
        else
        {
            services.AddDbContextPool<WardenDbContext, SqliteWardenDbContext>((sp, options) =>
                options.UseSqlite(SqliteConnectionString(
                    sp.GetRequiredService<IOptions<DatabaseOptions>>().Value,
                    sp.GetRequiredService<IOptions<WardenOptions>>().Value)));
        }

        services.AddSingleton<DatabaseInitializer>();
        return services;
    }

    internal static string SqliteConnectionString(DatabaseOptions database, WardenOptions warden) =>
        !string.IsNullOrWhiteSpace(database.ConnectionString)
            ? database.ConnectionString
            : $"Data Source={warden.DataPath("warden.db")};Pooling=True;Default Timeout=30";
}
