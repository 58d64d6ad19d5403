using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Warden.Server.Profiles;

/// <summary>
/// Cache-aside for profile reads (<see cref="ProfileOptions.CacheDuration"/>, 5 minutes by default).
/// <see cref="Invalidate"/> is the one invalidation seam: every change calls it after its commit, and a
/// cross-node invalidation (the several-nodes work) is to be added there; until then another node may
/// serve a profile up to the cache duration old.
/// </summary>
public sealed class ProfileCache(IMemoryCache cache, IOptions<ProfileOptions> options)
{
    private long _generation;

    /// <summary>
    /// Read before loading from the database and passed to <see cref="Set"/>: a load that an invalidation
    /// overtook is not cached, so a reader that fetched the old row just before a change commits cannot put
    /// it back for the whole cache duration.
    /// </summary>
    public long Generation => Interlocked.Read(ref _generation);

    public bool TryGet(Guid userId, out ProfileView? view) => cache.TryGetValue(Key(userId), out view);

    public void Set(Guid userId, ProfileView view, long generationAtLoad)
    {
        if (Generation != generationAtLoad)
        {
            return;
        }

        cache.Set(Key(userId), view, options.Value.CacheDuration);
        if (Generation != generationAtLoad)
        {
            // An invalidation slipped in between the check and the write: take the entry back out.
            cache.Remove(Key(userId));
        }
    }

    public void Invalidate(Guid userId)
    {
        Interlocked.Increment(ref _generation);
        cache.Remove(Key(userId));
    }

    private static string Key(Guid userId) => $"warden:profile:{userId:N}";
}
