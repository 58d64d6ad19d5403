using ZiggyCreatures.Caching.Fusion;

namespace Warden.Server.Infrastructure.Caching;

/// <summary>
/// One kind of cached answer (sessions, permissions, profiles, ...). <see cref="Shared"/> areas may be written to
/// Redis: they hold no personal data in clear (identifiers, states, role and permission names). Other areas stay
/// in each node's memory and only their invalidations cross the backplane.
/// </summary>
public sealed record CacheArea(string Name, bool Shared);

/// <summary>
/// The cache seam (docs/architecture.md#caches): memory first; with <c>Warden:Redis:Configuration</c> a Redis second
/// level for <see cref="CacheArea.Shared"/> areas and the Redis backplane, through FusionCache.
/// <list type="bullet">
/// <item>Writers invalidate themselves, synchronously, right after (or before, when failing closed) their change:
/// <see cref="Set{T}"/>, <see cref="Remove"/>, <see cref="Clear"/> change this node's memory at once, Redis before they
/// return, and tell the other nodes over the backplane. Nothing waits for an outbox handler.</item>
/// <item>Loads never announce themselves (a load changes nothing), and a load overtaken by an invalidation of its
/// area, on this node or received from another, is not cached: a reader that fetched the old row just before a
/// change committed cannot put it back.</item>
/// <item>Fail-safe is off: an entry past its duration is never served, so a database error never serves a stale
/// "active". While Redis is configured but unreachable no invalidation can arrive, so entries older than
/// <see cref="OutageMaxAge"/> are read again.</item>
/// </list>
/// </summary>
public sealed class WardenCache
{
    /// <summary>How old an entry may be served while the backplane is down.</summary>
    public static readonly TimeSpan OutageMaxAge = TimeSpan.FromSeconds(5);

    private readonly IFusionCache _fusion;
    private readonly RedisConnection _redis;
    private readonly FusionCacheEntryOptions _read;
    private long _generation;

    internal WardenCache(CacheArea area, IFusionCache fusion, RedisConnection redis)
    {
        Area = area;
        _fusion = fusion;
        _redis = redis;
        _read = Options(TimeSpan.FromSeconds(1), announce: false);
        // Any invalidation from another node also voids this node's loads in flight, as a local one does.
        _fusion.Events.Backplane.MessageReceived += (_, _) =>
        {
            Interlocked.Increment(ref _generation);
            ChangedElsewhere?.Invoke();
        };
    }

    public CacheArea Area { get; }

    /// <summary>Raised when another node invalidated something in this area (for holders of their own copy, such as the IP rules).</summary>
    public event Action? ChangedElsewhere;

    private sealed record Stamped<T>(T Value, DateTimeOffset StoredAt);

    /// <summary>The cached value, or <paramref name="load"/>'s, cached for <paramref name="duration"/> (zero: not cached; null: never cached).</summary>
    public async ValueTask<T?> GetOrLoadAsync<T>(string key, TimeSpan duration, Func<CancellationToken, Task<T?>> load, CancellationToken cancellationToken)
        where T : class
    {
        if (duration <= TimeSpan.Zero)
        {
            return await load(cancellationToken);
        }

        var generation = Interlocked.Read(ref _generation);
        var cached = await _fusion.TryGetAsync<Stamped<T>>(key, _read, cancellationToken);
        if (cached.HasValue && cached.Value is { } hit && Usable(hit.StoredAt))
        {
            return hit.Value;
        }

        var value = await load(cancellationToken);
        if (value is null || Interlocked.Read(ref _generation) != generation)
        {
            return value;
        }

        await _fusion.SetAsync(key, new Stamped<T>(value, DateTimeOffset.UtcNow), Options(duration, announce: false), token: cancellationToken);
        if (Interlocked.Read(ref _generation) != generation)
        {
            // An invalidation slipped in between the check and the write: take the entry back out, everywhere.
            _fusion.Remove(key, Options(duration, announce: true), CancellationToken.None);
        }

        return value;
    }

    /// <summary>Stores what a writer knows to be true now (a revoked session), here, in Redis and on every node.</summary>
    public void Set<T>(string key, T value, TimeSpan duration)
        where T : class
    {
        Interlocked.Increment(ref _generation);
        _fusion.Set(key, new Stamped<T>(value, DateTimeOffset.UtcNow), Options(duration, announce: true));
    }

    /// <summary>Forgets one entry here, in Redis and on every node.</summary>
    public void Remove(string key)
    {
        Interlocked.Increment(ref _generation);
        _fusion.Remove(key, Options(TimeSpan.FromSeconds(1), announce: true));
    }

    /// <summary>Forgets every entry of the area here, in Redis and on every node.</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _fusion.Clear(allowFailSafe: false, Options(TimeSpan.FromSeconds(1), announce: true));
    }

    private bool Usable(DateTimeOffset storedAt) =>
        !_redis.IsConfigured || _redis.IsAvailable || DateTimeOffset.UtcNow - storedAt <= OutageMaxAge;

    private FusionCacheEntryOptions Options(TimeSpan duration, bool announce) => new()
    {
        Duration = duration,
        IsFailSafeEnabled = false,
        SkipDistributedCacheRead = !Area.Shared,
        SkipDistributedCacheWrite = !Area.Shared,
        SkipBackplaneNotifications = !announce,
        // Writers return once Redis has the change; the backplane message may follow in the background.
        AllowBackgroundDistributedCacheOperations = false,
        DistributedCacheHardTimeout = TimeSpan.FromSeconds(1),
    };
}
