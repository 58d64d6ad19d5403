using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace Warden.Server.Infrastructure.Caching;

/// <summary>
/// The caches' second level: plain GET/SET PX/DEL on the node's shared <see cref="RedisConnection"/>, so that the
/// connection's fail-fast behaviour holds here too (FusionCache treats a failure as a miss and stops asking for a
/// moment). Sliding expiration is not used by FusionCache and not supported.
/// </summary>
internal sealed class RedisDistributedCache(RedisConnection redis, string prefix) : IDistributedCache
{
    private IDatabase Database => redis.Multiplexer.GetDatabase();

    public byte[]? Get(string key) => Database.StringGet(prefix + key);

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default) =>
        await Database.StringGetAsync(prefix + key).WaitAsync(token);

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) =>
        Database.StringSet(prefix + key, value, (Expiration)Expiry(options));

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        Database.StringSetAsync(prefix + key, value, (Expiration)Expiry(options)).WaitAsync(token);

    public void Refresh(string key)
    {
    }

    public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

    public void Remove(string key) => Database.KeyDelete(prefix + key);

    public Task RemoveAsync(string key, CancellationToken token = default) => Database.KeyDeleteAsync(prefix + key).WaitAsync(token);

    // Entries FusionCache writes always have an absolute expiration; a default minute guards against one without.
    private static TimeSpan Expiry(DistributedCacheEntryOptions options)
    {
        if (options.AbsoluteExpirationRelativeToNow is { } relative)
        {
            return relative;
        }

        if (options.AbsoluteExpiration is { } at)
        {
            var left = at - DateTimeOffset.UtcNow;
            return left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);
        }

        return options.SlidingExpiration ?? TimeSpan.FromMinutes(1);
    }
}
