using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;

namespace Warden.Server.Authentication;

/// <summary>The signed-in user's account as the API shows it (<c>GET /api/v1/users/me</c> and token responses).</summary>
public sealed record AccountView(
    Guid Id,
    string Email,
    string? Username,
    string Status,
    bool EmailVerified,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Permissions,
    IReadOnlyList<string> TwoFactor,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastLoginAt)
{
    public static async Task<AccountView?> LoadAsync(WardenDbContext db, Guid userId, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user is null)
        {
            return null;
        }

        var access = await UserAccess.LoadAsync(db, userId, cancellationToken);
        return From(user, access, await TwoFactorMethods.LoadAsync(db, userId, cancellationToken));
    }

    public static AccountView From(User user, UserAccess access, IReadOnlyList<string> twoFactor) => new(
        user.Id,
        user.Email!,
        user.UserName,
        user.Status.ToWire(),
        user.EmailVerifiedAt is not null,
        access.Roles,
        access.Permissions,
        twoFactor,
        user.CreatedAt,
        user.LastLoginAt);
}

/// <summary>A user's roles and the union of their permissions, read fresh from the database.</summary>
public sealed record UserAccess(IReadOnlyList<string> Roles, IReadOnlyList<string> Permissions)
{
    public static async Task<UserAccess> LoadAsync(WardenDbContext db, Guid userId, CancellationToken cancellationToken)
    {
        var rows = await db.UserRoles.AsNoTracking()
            .Where(ur => ur.UserId == userId)
            .Select(ur => new { Role = ur.Role!.Name!, Permissions = ur.Role.Permissions.Select(p => p.Permission!.Name).ToList() })
            .ToListAsync(cancellationToken);
        return new UserAccess(
            [.. rows.Select(r => r.Role).Order(StringComparer.Ordinal)],
            [.. rows.SelectMany(r => r.Permissions).Distinct().Order(StringComparer.Ordinal)]);
    }
}

/// <summary>Which second factors a user has turned on (totp, sms, email).</summary>
public static class TwoFactorMethods
{
    public static async Task<IReadOnlyList<string>> LoadAsync(WardenDbContext db, Guid userId, CancellationToken cancellationToken)
    {
        var row = await db.TwoFactor.AsNoTracking().SingleOrDefaultAsync(t => t.UserId == userId, cancellationToken);
        return row?.EnabledMethods() ?? [];
    }
}
