using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Authorization;

/// <summary>
/// The public Authorization service other modules ask "may this user do X?" (docs/architecture.md).
/// Answers come from the database, cached per node; the access token's <c>roles</c>/<c>permissions</c> claims
/// are a snapshot from sign-in time and are never trusted for decisions, so a removed role stops working on the
/// very next request.
/// <para>
/// Invalidation is a generation counter: any role, permission, membership or status change bumps it after its
/// transaction commits, and an entry loaded under an older generation is ignored. A request that read the
/// old state just before the commit therefore cannot re-cache it. Other nodes see a change within
/// <see cref="WardenAuthorizationOptions.PermissionCacheDuration"/>.
/// </para>
/// </summary>
public sealed class PermissionService(IMemoryCache cache, IServiceScopeFactory scopes, IOptions<WardenAuthorizationOptions> options)
{
    private long _generation;

    private sealed record Entry(long Generation, AccessSnapshot Snapshot);

    public async ValueTask<AccessSnapshot> GetAsync(Guid userId, CancellationToken cancellationToken)
    {
        var generation = Interlocked.Read(ref _generation);
        if (cache.TryGetValue(Key(userId), out Entry? entry) && entry is not null && entry.Generation == generation)
        {
            return entry.Snapshot;
        }

        var snapshot = await LoadAsync(userId, cancellationToken);
        var duration = options.Value.PermissionCacheDuration;
        if (duration > TimeSpan.Zero)
        {
            cache.Set(Key(userId), new Entry(generation, snapshot), duration);
        }

        return snapshot;
    }

    /// <summary>True when the user is active and one of their roles grants the permission.</summary>
    public async ValueTask<bool> HasPermissionAsync(Guid userId, string permission, CancellationToken cancellationToken) =>
        (await GetAsync(userId, cancellationToken)).EffectivePermissions.Contains(permission);

    /// <summary>
    /// Forgets every cached answer on this node. Call after the transaction that changed roles, permissions,
    /// memberships or a user's status commits. Changes are rare (administration), so dropping everything is cheaper
    /// than tracking which users a role change touches.
    /// </summary>
    public void Invalidate() => Interlocked.Increment(ref _generation);

    private async Task<AccessSnapshot> LoadAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        return await AccessSnapshot.LoadAsync(db, userId, cancellationToken);
    }

    private static string Key(Guid userId) => "permissions:" + userId.ToString("N");
}
