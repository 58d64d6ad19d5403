using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Backplane.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace Warden.Server.Infrastructure.Caching;

/// <summary>
/// Makes one <see cref="WardenCache"/> per <see cref="CacheArea"/>, each its own FusionCache (its own memory, keys
/// under <c>{KeyPrefix}{area}:</c> in Redis and its own backplane channel), so clearing one area leaves the others alone.
/// </summary>
public sealed class WardenCaches(RedisConnection redis, ILoggerFactory loggers) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<(WardenCache Cache, FusionCache Fusion)>> _areas = new();

    public WardenCache For(CacheArea area) =>
        _areas.GetOrAdd(area.Name, _ => new Lazy<(WardenCache, FusionCache)>(() => Create(area))).Value.Cache;

    public void Dispose()
    {
        foreach (var area in _areas.Values.Where(a => a.IsValueCreated))
        {
            area.Value.Fusion.Dispose();
        }
    }

    private (WardenCache, FusionCache) Create(CacheArea area)
    {
        var prefix = redis.Options.KeyPrefix;
        var options = new FusionCacheOptions
        {
            CacheName = prefix + area.Name,
            // Redis failures are reported once by RedisConnection; FusionCache's own reports would repeat them per key.
            DistributedCacheErrorsLogLevel = LogLevel.Debug,
            BackplaneErrorsLogLevel = LogLevel.Debug,
            DistributedCacheCircuitBreakerDuration = TimeSpan.FromSeconds(2),
            BackplaneCircuitBreakerDuration = TimeSpan.FromSeconds(2),
            // Invalidations that could not be sent while Redis was away are sent when it returns.
            EnableAutoRecovery = true,
        };
        var fusion = new FusionCache(options, logger: loggers.CreateLogger<FusionCache>());
        if (redis.IsConfigured)
        {
            UseRedis(fusion, area, prefix);
        }

        return (new WardenCache(area, fusion, redis), fusion);
    }

    /// <summary>
    /// Apart from <see cref="Create"/> so that a node without Redis never loads the Redis assemblies: the JIT loads
    /// every assembly a method names when it compiles the method, taken branch or not.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // nor inlined, not even by ReadyToRun
    private void UseRedis(FusionCache fusion, CacheArea area, string prefix)
    {
        if (area.Shared)
        {
            fusion.SetupDistributedCache(new RedisDistributedCache(redis, prefix + area.Name + ":"), new FusionCacheSystemTextJsonSerializer());
        }

        fusion.SetupBackplane(new RedisBackplane(
            new RedisBackplaneOptions { ConnectionMultiplexerFactory = () => Task.FromResult(redis.Multiplexer) },
            loggers.CreateLogger<RedisBackplane>()));
    }
}
