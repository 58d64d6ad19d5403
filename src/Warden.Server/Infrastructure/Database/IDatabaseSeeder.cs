namespace Warden.Server.Infrastructure.Database;

/// <summary>
/// Defaults a module makes sure exist after every migration (on start and by <c>migrate</c>), in registration
/// order: the modules are registered bottom-up, so roles exist before the first administrator is given one.
/// A seeder must be safe to run again and on several nodes at once.
/// </summary>
public interface IDatabaseSeeder
{
    Task SeedAsync(IServiceProvider services, CancellationToken cancellationToken);
}

public static class DatabaseSeederRegistration
{
    public static IServiceCollection AddDatabaseSeeder<T>(this IServiceCollection services) where T : class, IDatabaseSeeder =>
        services.AddSingleton<IDatabaseSeeder, T>();
}
