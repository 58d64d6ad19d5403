using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Users;

/// <summary>
/// The account row and Identity's own tables (claims, external logins, tokens, passkeys). Erasure keeps the row
/// under a pseudonymous address, so audit entries still point at something and the real address becomes free.
/// </summary>
public sealed class AccountPersonalData(WardenDbContext db, TimeProvider time) : IPersonalData
{
    public string Name => "account";

    public async Task<object?> ExportAsync(Guid userId, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == userId, cancellationToken);
        var logins = await db.UserLogins.AsNoTracking().Where(l => l.UserId == userId)
            .Select(l => new { Provider = l.LoginProvider, DisplayName = l.ProviderDisplayName }).ToListAsync(cancellationToken);
        var claims = await db.UserClaims.AsNoTracking().Where(c => c.UserId == userId)
            .Select(c => new { Type = c.ClaimType, Value = c.ClaimValue }).ToListAsync(cancellationToken);
        return new
        {
            user.Id,
            user.Email,
            Username = user.UserName,
            Status = user.Status.ToWire(),
            EmailVerified = user.EmailConfirmed,
            user.EmailVerifiedAt,
            user.TwoFactorEnabled,
            user.CreatedAt,
            user.UpdatedAt,
            user.LastLoginAt,
            user.LoginCount,
            user.PasswordChangedAt,
            user.LockoutEnd,
            ExternalLogins = logins,
            Claims = claims,
        };
    }

    public async Task EraseAsync(Guid userId, CancellationToken cancellationToken)
    {
        await db.UserClaims.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.UserLogins.Where(l => l.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.UserTokens.Where(t => t.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.UserPasskeys.Where(p => p.UserId == userId).ExecuteDeleteAsync(cancellationToken);

        var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);
        var now = time.GetUtcNow();
        var pseudonym = $"deleted-{user.Id:N}@erased.invalid";
        user.Email = pseudonym;
        user.NormalizedEmail = pseudonym.ToUpperInvariant();
        user.UserName = null;
        user.NormalizedUserName = null;
        user.PasswordHash = null;
        user.PhoneNumber = null;
        user.PhoneNumberConfirmed = false;
        user.TwoFactorEnabled = false;
        user.EmailConfirmed = false;
        user.SecurityStamp = Guid.NewGuid().ToString("N");
        user.Status = UserStatus.Deleted;
        user.DeletedAt = now;
        user.UpdatedAt = now;
    }
}
