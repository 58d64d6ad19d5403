using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Authentication.Login;
using Warden.Server.Profiles;
using Warden.Server.Profiles.Avatars;
using Warden.Server.Privacy;
using Warden.Server.Users;

namespace Warden.Server.Privacy;

/// <summary>
/// Erases a user's personal data (self-deletion and administrator erasure alike). The row stays, with a
/// pseudonymous id only, so audit entries keep pointing at something; the email address becomes free.
/// Everything happens in one transaction: sessions end exactly when the data goes.
/// </summary>
public sealed class AccountErasure(
    WardenDbContext db, SessionRevocation revocation, IAvatarStorage avatars, ProfileCache profiles, TimeProvider time)
{
    /// <summary>Erases the user; false when there is no such (undeleted) user.</summary>
    public async Task<bool> EraseAsync(Guid userId, Guid? actorId, CancellationToken cancellationToken)
    {
        await using var transaction = db.Database.CurrentTransaction is null
            ? await db.Database.BeginTransactionAsync(cancellationToken)
            : null;

        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId && u.Status != UserStatus.Deleted, cancellationToken);
        if (user is null)
        {
            return false;
        }

        var now = time.GetUtcNow();
        await revocation.RevokeAllAsync(userId, null, RevocationReasons.Deleted, cancellationToken);

        // Everything that names, reaches or authenticates the person goes.
        var avatarUrl = await db.Profiles.Where(p => p.UserId == userId).Select(p => p.AvatarUrl).FirstOrDefaultAsync(cancellationToken);
        await db.Profiles.Where(p => p.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.UserSettings.Where(s => s.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.PhoneVerifications.Where(v => v.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.Sessions.Where(s => s.UserId == userId).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.IpAddress, (string?)null)
            .SetProperty(x => x.UserAgent, (string?)null), cancellationToken);
        await db.AccountTokens.Where(t => t.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.LoginChallenges.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.PasswordHistory.Where(h => h.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.UserClaims.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.UserLogins.Where(l => l.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.UserTokens.Where(t => t.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.UserPasskeys.Where(p => p.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.UserRoles.Where(r => r.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.TwoFactor.Where(t => t.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.RecoveryCodes.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.OneTimeCodes.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        var throttleKeys = new List<string> { Reauthentication.ThrottleKey(userId) };
        if (user.NormalizedEmail is not null)
        {
            throttleKeys.Add(LoginThrottle.EmailKey(user.NormalizedEmail));
        }

        if (user.NormalizedUserName is not null)
        {
            throttleKeys.Add(LoginThrottle.UsernameKey(user.NormalizedUserName));
        }

        await db.LoginAttempts.Where(a => throttleKeys.Contains(a.Identifier)).ExecuteDeleteAsync(cancellationToken);

        // Events keep their type, time and ids; their addresses, names, IP addresses and user agents go.
        await OutboxRedaction.RedactAsync(db, userId, cancellationToken);

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

        // The event names only the pseudonymous id: it outlives the data it reports on.
        db.AddEvent(EventTypes.UserDeleted, userId, new { userId, actorId }, now);
        await db.SaveChangesAsync(cancellationToken);
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }

        profiles.Invalidate(userId);
        // After the commit: a file deleted for a rolled-back erasure would leave a profile with a broken image.
        await avatars.DeleteReplacedAsync(avatarUrl, null, cancellationToken);
        return true;
    }
}
