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
        if (user is null)
        {
            return None(userId);
        }

        var rows = await db.UserRoles.AsNoTracking()
            .Where(ur => ur.UserId == userId)
            .Select(ur => new { Role = ur.Role!.Name!, Permissions = ur.Role.Permissions.Select(p => p.Permission!.Name).ToList() })
            .ToListAsync(cancellationToken);
        return new AccessSnapshot(
            userId,
            user.Status,
            user.EmailVerifiedAt is not null,
            new SortedSet<string>(rows.Select(r => r.Role), StringComparer.Ordinal),
            new SortedSet<string>(rows.SelectMany(r => r.Permissions), StringComparer.Ordinal));
    }
}
