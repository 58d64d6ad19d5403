using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using RedisRateLimiting;
using StackExchange.Redis;
using Warden.Server.Infrastructure.Observability;

namespace Warden.Server.Infrastructure.Caching;

/// <summary>
/// Token buckets refilled in full every minute, one set for all nodes: in Redis (RedisRateLimiting's token bucket)
/// when <c>Warden:Redis:Configuration</c> is set, else in this node's memory. While a configured Redis cannot be
/// reached the node falls back to its own buckets — never to no limit — counted in <c>warden_redis_fallbacks_total</c>
/// and logged once per outage. Keys reach Redis only as SHA-256 hashes: they hold client addresses and sign-in names.
/// </summary>
public sealed class SharedTokenBuckets(RedisConnection redis, WardenMetrics metrics, ILogger<SharedTokenBuckets> logger) : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    private readonly PartitionedRateLimiter<(string Bucket, string Key, int PerMinute)> _local =
        PartitionedRateLimiter.Create<(string Bucket, string Key, int PerMinute), (string, string, int)>(partition =>
            RateLimitPartition.GetTokenBucketLimiter(partition, p => new TokenBucketRateLimiterOptions
            {
                TokenLimit = p.Item3,
                TokensPerPeriod = p.Item3,
                ReplenishmentPeriod = Period,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));

    private int _fallingBack;

    /// <summary>Takes one token from <paramref name="bucket"/>'s bucket for <paramref name="key"/>, of <paramref name="perMinute"/> a minute.</summary>
    public async ValueTask<RateLimitLease> AcquireAsync(string bucket, string key, int perMinute, CancellationToken cancellationToken)
    {
        if (redis.IsAvailable)
        {
            if (await AcquireSharedAsync(bucket, key, perMinute, cancellationToken) is { } shared)
            {
                return shared;
            }
        }
        else if (redis.IsConfigured)
        {
            FallBack(null);
        }

        return _local.AttemptAcquire((bucket, key, perMinute));
    }

    /// <summary>
    /// The shared bucket's answer, or null when Redis failed (counted per node then). Apart from
    /// <see cref="AcquireAsync"/> so that a node without Redis never loads the Redis assemblies: the JIT loads every
    /// assembly a method names when it compiles the method, taken branch or not.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private async ValueTask<RateLimitLease?> AcquireSharedAsync(string bucket, string key, int perMinute, CancellationToken cancellationToken)
    {
        try
        {
            var shared = new RedisTokenBucketRateLimiter<string>(
                $"{redis.Options.KeyPrefix}{bucket}:{Hash(key)}",
                new RedisTokenBucketRateLimiterOptions
                {
                    ConnectionMultiplexerFactory = () => redis.Multiplexer,
                    TokenLimit = perMinute,
                    TokensPerPeriod = perMinute,
                    ReplenishmentPeriod = Period,
                });
            using var lease = await shared.AcquireAsync(1, cancellationToken);
            if (Interlocked.Exchange(ref _fallingBack, 0) == 1)
            {
                logger.LogWarning("Rate limits are shared through Redis again");
            }

            return new Lease(lease.IsAcquired, lease.IsAcquired ? null : RetryAfter(lease));
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            FallBack(e);
            return null;
        }
    }

    public void Dispose() => _local.Dispose();

    private void FallBack(Exception? exception)
    {
        metrics.RedisFallback("rate_limit");
        if (Interlocked.Exchange(ref _fallingBack, 1) == 0)
        {
            logger.LogWarning(exception, "Redis is not reachable: rate limits are counted per node until it returns");
        }
    }

    private static TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(RateLimitMetadataName.RetryAfter.Name, out var value) && value is int seconds && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : Period;

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>A lease that carries the standard retry-after metadata, whichever limiter decided.</summary>
    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}
