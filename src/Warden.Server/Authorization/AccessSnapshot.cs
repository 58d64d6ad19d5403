using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;

namespace Warden.Server.Authorization;

/// <summary>What a user may do right now: status, roles and the union of their roles' permissions.</summary>
public sealed record AccessSnapshot(
    Guid UserId,
    UserStatus? Status,
    bool EmailVerified,
    IReadOnlySet<string> Roles,
    IReadOnlySet<string> Permissions)
{
    public bool IsActive => Status == UserStatus.Active;

    /// <summary>Permissions that count: none unless the account is active (a suspended admin is no admin).</summary>
    public IReadOnlySet<string> EffectivePermissions => IsActive ? Permissions : Empty;

    private static readonly IReadOnlySet<string> Empty = new HashSet<string>();

    public static AccessSnapshot None(Guid userId) => new(userId, null, false, Empty, Empty);

    /// <summary>
    /// The one loader of a user's roles and permissions, read fresh in the caller's context (and transaction);
    /// <see cref="PermissionService"/> caches it. Roles and permissions enumerate in ordinal order.
    /// </summary>
    public static async Task<AccessSnapshot> LoadAsync(WardenDbContext db, Guid userId, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new { u.Status, u.EmailVerifiedAt })
            .SingleOrDefaultAsync(cancellationToken);
        return user is null
            ? None(userId)
            : await RolesOfAsync(db, userId, user.Status, user.EmailVerifiedAt is not null, cancellationToken);
    }

    /// <summary>The same for a user already loaded: one statement (sign-in, token refresh and <c>/users/me</c> are hot paths).</summary>
    public static Task<AccessSnapshot> LoadAsync(WardenDbContext db, User user, CancellationToken cancellationToken) =>
        RolesOfAsync(db, user.Id, user.Status, user.EmailVerifiedAt is not null, cancellationToken);

    /// <summary>
    /// One role of a user with its permissions, as a query reads it: <see cref="RolesOfAsync"/> here, and the account
    /// view's single statement (<c>AccountViewCache</c>), which reads this beside the rest of a token.
    /// </summary>
    public sealed record RoleGrant(string Role, List<string> Permissions);

    /// <summary>The projection of a membership row to its <see cref="RoleGrant"/>; EF Core inlines it into either query.</summary>
    public static readonly Expression<Func<UserRole, RoleGrant>> GrantOf =
        ur => new RoleGrant(ur.Role!.Name!, ur.Role.Permissions.Select(p => p.Permission!.Name).ToList());

    /// <summary>The snapshot of a user with these grants: roles and the union of their permissions, in ordinal order.</summary>
    public static AccessSnapshot Of(Guid userId, UserStatus status, bool emailVerified, IEnumerable<RoleGrant> grants)
    {
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        var permissions = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var grant in grants)
        {
            roles.Add(grant.Role);
            permissions.UnionWith(grant.Permissions);
        }

        return new AccessSnapshot(userId, status, emailVerified, roles, permissions);
    }

    private static async Task<AccessSnapshot> RolesOfAsync(
        WardenDbContext db, Guid userId, UserStatus status, bool emailVerified, CancellationToken cancellationToken)
    {
        var grants = await db.UserRoles.AsNoTracking().Where(ur => ur.UserId == userId).Select(GrantOf).ToListAsync(cancellationToken);
        return Of(userId, status, emailVerified, grants);
    }
}
