using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Caching;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;

namespace Warden.Server.Authorization;

/// <summary>
/// The public Authorization service other modules ask "may this user do X?" (docs/architecture.md).
/// Answers come from the database, cached through the cache seam (<see cref="WardenCache"/>, area
/// <c>permissions</c>: status, role and permission names, no personal data, so they may live in Redis); the access
/// token's <c>roles</c>/<c>permissions</c> claims are a snapshot from sign-in time and are never trusted for
/// decisions, so a removed role stops working on the very next request.
/// <para>
/// Any role, permission, membership or status change calls <see cref="Invalidate"/> after its transaction commits,
/// which clears the area on this node at once and on the others through the backplane; a load overtaken by it is
/// not cached, so a request that read the old state just before the commit cannot re-cache it. Without Redis,
/// other nodes see a change within <see cref="WardenAuthorizationOptions.PermissionCacheDuration"/>.
/// </para>
/// </summary>
public sealed class PermissionService(WardenCaches caches, IServiceScopeFactory scopes, IOptions<WardenAuthorizationOptions> options)
{
    public static readonly CacheArea Area = new("permissions", Shared: true);

    private readonly WardenCache _cache = caches.For(Area);

    /// <summary>What is cached: the snapshot in a form the Redis level serializes.</summary>
    public sealed record Entry(UserStatus? Status, bool EmailVerified, string[] Roles, string[] Permissions);

    public ValueTask<AccessSnapshot> GetAsync(Guid userId, CancellationToken cancellationToken) =>
        CachedAsync(userId, ct => LoadAsync(userId, ct), cancellationToken);

    /// <summary>
    /// The same, with the caller's loader for a miss: a statement that reads the snapshot fresh (status included) along
    /// with more (token issuance reads the account view's extras with it). Cached under the same rules as any load.
    /// </summary>
    public ValueTask<AccessSnapshot> GetAsync(Guid userId, Func<CancellationToken, Task<AccessSnapshot>> load, CancellationToken cancellationToken) =>
        CachedAsync(userId, async ct => ToEntry(await load(ct)), cancellationToken);

    private async ValueTask<AccessSnapshot> CachedAsync(Guid userId, Func<CancellationToken, Task<Entry?>> load, CancellationToken cancellationToken)
    {
        var entry = await _cache.GetOrLoadAsync(userId.ToString("N"), options.Value.PermissionCacheDuration, load, cancellationToken);
        return new AccessSnapshot(
            userId,
            entry!.Status,
            entry.EmailVerified,
            new SortedSet<string>(entry.Roles, StringComparer.Ordinal),
            new SortedSet<string>(entry.Permissions, StringComparer.Ordinal));
    }

    /// <summary>True when the user is active and one of their roles grants the permission.</summary>
    public async ValueTask<bool> HasPermissionAsync(Guid userId, string permission, CancellationToken cancellationToken) =>
        (await GetAsync(userId, cancellationToken)).EffectivePermissions.Contains(permission);

    /// <summary>
    /// Forgets every cached answer on every node. Call after the transaction that changed roles, permissions,
    /// memberships or a user's status commits. Changes are rare (administration), so dropping everything is cheaper
    /// than tracking which users a role change touches.
    /// </summary>
    public void Invalidate() => _cache.Clear();

    private async Task<Entry?> LoadAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        return ToEntry(await AccessSnapshot.LoadAsync(db, userId, cancellationToken));
    }

    private static Entry ToEntry(AccessSnapshot snapshot) => new(snapshot.Status, snapshot.EmailVerified, [.. snapshot.Roles], [.. snapshot.Permissions]);
}
