using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using Warden.Server.Authorization;
using Warden.Server.Infrastructure.Caching;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;

namespace Warden.Server.Authentication;

/// <summary>
/// The account view of <c>GET /api/v1/users/me</c> and of token issuance without a database round trip each time,
/// through the cache seam (<see cref="WardenCache"/>, area <c>accounts</c>: addresses and names, so memory only; the
/// invalidations cross the backplane). Three parts, each invalidated by what writes it:
/// <list type="bullet">
/// <item>the user row's facts (address, username, status, verification, dates): every change of a tracked
/// <see cref="User"/> row, and the activity updates, which are statements of their own (<see cref="ForgetFacts"/>);</item>
/// <item>the extras (profile name, second factors): changes of the rows each module declares with
/// <see cref="AccountViewInvalidationRegistration.RefreshAccountViewOnChangeOf{T}"/>, and the few bulk deletions
/// (erasure) call <see cref="Forget"/>;</item>
/// <item>roles and permissions: <see cref="PermissionService"/>'s own entry, which every role, permission and
/// membership change already clears.</item>
/// </list>
/// A change is forgotten right after its <c>SaveChanges</c>, or after the commit of the transaction it is part of
/// (<see cref="AfterCommit"/>), never by an outbox handler; a load overtaken by the removal is not cached. Sessions
/// are not part of it: whether the token's session is still usable is <see cref="Sessions.SessionCache"/>'s question.
/// Inside a transaction the view is read fresh in that transaction, never from the cache.
/// </summary>
public sealed class AccountViewCache(WardenCaches caches, PermissionService permissions, AfterCommit afterCommit, IOptions<AuthenticationOptions> options)
{
    public static readonly CacheArea Area = new("accounts", Shared: false);

    private readonly WardenCache _cache = caches.For(Area);

    public sealed record Facts(
        string Email, string? UserName, UserStatus Status, bool EmailVerified, DateTimeOffset CreatedAt, DateTimeOffset? LastLoginAt, DateTimeOffset? LastActiveAt);

    public sealed record Extras(string? ProfileName, IReadOnlyList<string> TwoFactor);

    /// <summary>The signed-in user's view, or null when the account no longer exists.</summary>
    public async ValueTask<AccountView?> GetAsync(WardenDbContext db, Guid userId, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            return await AccountView.LoadAsync(db, userId, cancellationToken);
        }

        var facts = await _cache.GetOrLoadAsync(FactsKey(userId), options.Value.AccountCacheDuration, ct => LoadFactsAsync(db, userId, ct), cancellationToken);
        if (facts is null)
        {
            return null;
        }

        var (access, extras) = await CachedForTokenAsync(db, userId, cancellationToken);
        return new AccountView(
            userId, facts.Email, facts.UserName, facts.Status.ToWire(), facts.EmailVerified, [.. access.Roles], [.. access.Permissions],
            extras.TwoFactor, facts.CreatedAt, facts.LastLoginAt, facts.LastActiveAt);
    }

    /// <summary>
    /// The user row's facts (status, address, verification, dates), or null when the account no longer exists: what a
    /// token refresh needs instead of the row itself. Every write of those facts forgets them synchronously (above).
    /// </summary>
    public async ValueTask<Facts?> GetFactsAsync(WardenDbContext db, Guid userId, CancellationToken cancellationToken) =>
        db.Database.CurrentTransaction is not null
            ? await LoadFactsAsync(db, userId, cancellationToken)
            : await _cache.GetOrLoadAsync(FactsKey(userId), options.Value.AccountCacheDuration, ct => LoadFactsAsync(db, userId, ct), cancellationToken);

    /// <summary>What a token needs beside the user row: roles and permissions, the profile's name and the second factors.</summary>
    public async ValueTask<(AccessSnapshot Access, Extras Extras)> ForTokenAsync(WardenDbContext db, User user, CancellationToken cancellationToken)
    {
        return db.Database.CurrentTransaction is not null
            ? await LoadForTokenAsync(db, user.Id, user, cancellationToken)
            : await CachedForTokenAsync(db, user.Id, cancellationToken);
    }

    /// <summary>The same for a user known only by id (a refresh, outside any transaction).</summary>
    public async ValueTask<(AccessSnapshot Access, Extras Extras)> ForTokenAsync(WardenDbContext db, Guid userId, CancellationToken cancellationToken)
    {
        return db.Database.CurrentTransaction is not null
            ? await LoadForTokenAsync(db, userId, known: null, cancellationToken)
            : await CachedForTokenAsync(db, userId, cancellationToken);
    }

    /// <summary>The name the account shows (its profile's), or null when it has none: from the same cached view.</summary>
    public async ValueTask<string?> ProfileNameAsync(WardenDbContext db, Guid userId, CancellationToken cancellationToken) =>
        (await ForTokenAsync(db, userId, cancellationToken)).Extras.ProfileName;

    /// <summary>
    /// Both cached parts a token needs. Most sign-ins (and the refresh a quarter of an hour later) find neither cached, since
    /// the entries live <see cref="AuthenticationOptions.AccountCacheDuration"/>: then one statement reads both, instead of
    /// four (status, roles, profile name, second factors) and a scope of the permission service's own. The permission
    /// entry is asked from inside the extras' load, so both caches take their mark before that one statement: an
    /// invalidation of either that overtakes it keeps its part out of the cache, as with separate loads.
    /// </summary>
    private async ValueTask<(AccessSnapshot Access, Extras Extras)> CachedForTokenAsync(WardenDbContext db, Guid userId, CancellationToken cancellationToken)
    {
        AccessSnapshot? access = null;
        var extras = await _cache.GetOrLoadAsync<Extras>(ExtrasKey(userId), options.Value.AccountCacheDuration, async ct =>
        {
            Extras? readAlong = null;
            access = await permissions.GetAsync(userId, async inner =>
            {
                (var snapshot, readAlong) = await LoadForTokenAsync(db, userId, known: null, inner);
                return snapshot;
            }, ct);
            return readAlong ?? (await LoadForTokenAsync(db, userId, known: null, ct)).Extras;
        }, cancellationToken);
        // The extras were cached: the permission entry alone (its miss reads the same one statement).
        access ??= await permissions.GetAsync(userId, async ct => (await LoadForTokenAsync(db, userId, known: null, ct)).Access, cancellationToken);
        return (access, extras!);
    }

    /// <summary>
    /// In one statement, read fresh: the user's status and verification, roles with their permissions (what
    /// <see cref="AccessSnapshot.LoadAsync(WardenDbContext, Guid, CancellationToken)"/> reads), the profile's name and the
    /// second factors. The one loader of the extras. <paramref name="known"/>, the row a transaction tracks, gives the
    /// status and verification instead: that transaction may have changed them and not saved yet.
    /// </summary>
    private static async Task<(AccessSnapshot Access, Extras Extras)> LoadForTokenAsync(
        WardenDbContext db, Guid userId, User? known, CancellationToken cancellationToken)
    {
        // One statement on purpose (AsSingleQuery): a user has a few roles of a few permissions, so the join stays small.
        // The roles and the second factors are filtered by the parameter as well as by the outer row (u.Id). EF Core joins
        // them as subqueries on the outer key; SQLite cannot push that key into a LEFT JOIN onto a subquery that joins,
        // and has no LATERAL join for a FirstOrDefault of a row, which EF Core writes as ROW_NUMBER() over the whole
        // table. So it built every user's roles and second factors to keep this one's: ~300 ms of CPU a sign-in at
        // 100,000 users. The parameter's condition stays inside the subquery, where it is a key lookup. The tests'
        // SqlitePlans checks the plans.
        var row = await db.Users.AsNoTracking()
            .AsSingleQuery()
            .Where(u => u.Id == userId)
            .Select(u => new
            {
                u.Status,
                EmailVerified = u.EmailVerifiedAt != null,
                Roles = db.UserRoles.Where(ur => ur.UserId == userId && ur.UserId == u.Id).Select(AccessSnapshot.GrantOf).ToList(),
                ProfileName = db.Profiles.Where(p => p.UserId == u.Id)
                    .Select(p => p.FullName ?? ((p.FirstName ?? "") + " " + (p.LastName ?? "")).Trim())
                    .FirstOrDefault(),
                TwoFactor = db.TwoFactor.FirstOrDefault(t => t.UserId == userId && t.UserId == u.Id),
            })
            .SingleOrDefaultAsync(cancellationToken);
        var status = known?.Status ?? row?.Status;
        var emailVerified = known is null ? row?.EmailVerified ?? false : known.EmailVerifiedAt is not null;
        var access = status is { } some ? AccessSnapshot.Of(userId, some, emailVerified, row?.Roles ?? []) : AccessSnapshot.None(userId);
        var extras = new Extras(string.IsNullOrWhiteSpace(row?.ProfileName) ? null : row.ProfileName, row?.TwoFactor?.EnabledMethods() ?? []);
        return (access, extras);
    }

    /// <summary>Forgets the user row's part (after a statement that changed it without the change tracker).</summary>
    public void ForgetFacts(Guid userId) => _cache.Remove(FactsKey(userId));

    /// <summary>Forgets both parts, after <paramref name="db"/>'s transaction commits when it has one.</summary>
    public void Forget(WardenDbContext db, Guid userId) => afterCommit.Run(db, () => Forget(userId));

    internal void Forget(Guid userId)
    {
        _cache.Remove(FactsKey(userId));
        _cache.Remove(ExtrasKey(userId));
    }

    internal void Forget(Guid userId, AccountViewPart part) =>
        _cache.Remove(part == AccountViewPart.Facts ? FactsKey(userId) : ExtrasKey(userId));

    private static Task<Facts?> LoadFactsAsync(WardenDbContext db, Guid userId, CancellationToken cancellationToken) =>
        db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new Facts(u.Email!, u.UserName, u.Status, u.EmailVerifiedAt != null, u.CreatedAt, u.LastLoginAt, u.LastActiveAt))
            .SingleOrDefaultAsync(cancellationToken);

    private static string FactsKey(Guid userId) => "f:" + userId.ToString("N");

    private static string ExtrasKey(Guid userId) => "x:" + userId.ToString("N");
}

public enum AccountViewPart
{
    Facts,
    Extras,
}

/// <summary>A kind of row the account view is made of: whose it is and which part of the view it feeds.</summary>
public sealed record AccountViewRows(Type EntityType, Func<object, Guid> UserOf, AccountViewPart Part);

/// <summary>
/// Forgets the cached account views of the users whose declared rows a <c>SaveChanges</c> added, changed or
/// deleted: right after the save, or after the commit when the save is part of a transaction (a load between the
/// save and the commit would read, and cache, the old row).
/// </summary>
internal sealed class AccountViewInvalidation(IEnumerable<AccountViewRows> declared, AccountViewCache cache, AfterCommit afterCommit) : SaveChangesInterceptor
{
    private readonly Dictionary<Type, AccountViewRows> _declared = declared.ToDictionary(d => d.EntityType);
    private readonly ConditionalWeakTable<DbContext, ConcurrentBag<(Guid, AccountViewPart)>> _saving = [];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Release(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Release(eventData.Context);
        return ValueTask.FromResult(result);
    }

    // A failed save may still have written part of its rows outside a transaction: forgetting costs one load.
    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Release(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.Context);
        return Task.CompletedTask;
    }

    private void Collect(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        if (context.ChangeTracker.AutoDetectChangesEnabled)
        {
            context.ChangeTracker.DetectChanges();
        }

        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is EntityState.Added or EntityState.Modified or EntityState.Deleted
                && _declared.TryGetValue(entry.Metadata.ClrType, out var rows))
            {
                _saving.GetOrCreateValue(context).Add((rows.UserOf(entry.Entity), rows.Part));
            }
        }
    }

    private void Release(DbContext? context)
    {
        if (context is null || !_saving.TryGetValue(context, out var changed))
        {
            return;
        }

        _saving.Remove(context);
        List<(Guid, AccountViewPart)> users = [.. changed.Distinct()];
        afterCommit.Run(context, () =>
        {
            foreach (var (userId, part) in users)
            {
                cache.Forget(userId, part);
            }
        });
    }
}

public static class AccountViewInvalidationRegistration
{
    /// <summary>Declares that rows of <typeparamref name="T"/> make up <paramref name="part"/> of their user's account view.</summary>
    public static IServiceCollection RefreshAccountViewOnChangeOf<T>(this IServiceCollection services, Func<T, Guid> userOf, AccountViewPart part)
        where T : class =>
        services.AddSingleton(new AccountViewRows(typeof(T), entity => userOf((T)entity), part));

    internal static IServiceCollection AddAccountViewCache(this IServiceCollection services)
    {
        services.AddSingleton<AccountViewCache>();
        services.AddSingleton<AccountViewInvalidation>();
        services.AddDbInterceptor<AccountViewInvalidation>();
        services.RefreshAccountViewOnChangeOf<User>(u => u.Id, AccountViewPart.Facts);
        return services;
    }
}
