using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Caching;

public static class CachingSetup
{
    public static IServiceCollection AddWardenCaching(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<RedisOptions, RedisOptionsValidator>(configuration, RedisOptions.Section);
        services.AddValidatedOptions<NodeOptions, NodeOptionsValidator>(configuration, NodeOptions.Section);
        services.AddSingleton<RedisConnection>();
        services.AddSingleton<WardenCaches>();
        services.AddHostedService<SharedStateStartup>();
        return services;
    }
}

/// <summary>
/// Connects to Redis before the first request, and says at start what a node cannot find out by itself: that it is
/// one of several (<c>Warden:Nodes</c>) with nothing to share caches and limits through.
/// </summary>
internal sealed class SharedStateStartup(RedisConnection redis, IOptions<NodeOptions> nodes, ILogger<SharedStateStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (redis.IsConfigured)
        {
            logger.LogInformation("Caches and rate limits are shared through Redis ({Available})", redis.IsAvailable ? "connected" : "not reachable yet");
        }
        else if (nodes.Value.Nodes > 1)
        {
            logger.LogWarning(
                "Warden:Nodes is {Nodes} but Warden:Redis:Configuration is not set: each node keeps its own caches and rate-limit buckets, " +
                "so a revoked session, a removed role or a changed profile is seen by the other nodes only when their entries expire " +
                "(SessionCacheDuration, PermissionCacheDuration, Profiles:CacheDuration) and clients get up to {Nodes} times the rate limits. " +
                "Set Warden:Redis:Configuration (docs/operations.md#several-nodes)", nodes.Value.Nodes, nodes.Value.Nodes);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
