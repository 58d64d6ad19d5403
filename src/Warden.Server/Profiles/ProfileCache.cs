using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Caching;

namespace Warden.Server.Profiles;

/// <summary>
/// Cache-aside for profile reads (<see cref="ProfileOptions.CacheDuration"/>, 5 minutes by default) through the cache
/// seam, area <c>profiles</c>. A profile holds personal data in clear (names, the decrypted phone number), so it stays
/// in each node's memory and never goes to Redis; only its invalidation crosses the backplane.
/// <see cref="Invalidate"/> is the one invalidation: every change calls it after its commit, which forgets the entry
/// here at once and on every other node through the backplane (without Redis, another node may serve a profile up
/// to the cache duration old).
/// </summary>
public sealed class ProfileCache(WardenCaches caches, IOptions<ProfileOptions> options)
{
    public static readonly CacheArea Area = new("profiles", Shared: false);

    private readonly WardenCache _cache = caches.For(Area);

    /// <summary>The cached profile, or <paramref name="load"/>'s (not cached when an invalidation overtook the load).</summary>
    public ValueTask<ProfileView?> GetOrLoadAsync(Guid userId, Func<CancellationToken, Task<ProfileView?>> load, CancellationToken cancellationToken) =>
        _cache.GetOrLoadAsync(Key(userId), options.Value.CacheDuration, load, cancellationToken);

    public void Invalidate(Guid userId) => _cache.Remove(Key(userId));

    private static string Key(Guid userId) => userId.ToString("N");
}
