using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Database;

namespace Warden.Tests.Infrastructure;

/// <summary>
/// The one way a test reaches a server's database: <c>await factory.InDbAsync(db => ...)</c>, each call in its
/// own scope (its own DbContext), as a request would be. <see cref="InScopeAsync{T}"/> is for the rare test that
/// needs other scoped services beside it.
/// </summary>
public static class Database
{
    public static async Task<T> InDbAsync<T>(this WardenFactory factory, Func<WardenDbContext, Task<T>> query)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<WardenDbContext>());
    }

    public static async Task InDbAsync(this WardenFactory factory, Func<WardenDbContext, Task> action)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        await action(scope.ServiceProvider.GetRequiredService<WardenDbContext>());
    }

    public static async Task<T> InScopeAsync<T>(this WardenFactory factory, Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider);
    }

    public static async Task InScopeAsync(this WardenFactory factory, Func<IServiceProvider, Task> action)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        await action(scope.ServiceProvider);
    }

    /// <summary>Waits until <paramref name="condition"/> holds in the database.</summary>
    public static Task EventuallyInDbAsync(this WardenFactory factory, Func<WardenDbContext, Task<bool>> condition, string because, TimeSpan? within = null) =>
        Eventually.TrueAsync(() => factory.InDbAsync(condition), because, within);
}
