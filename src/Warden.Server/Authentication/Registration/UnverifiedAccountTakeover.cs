using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Registration;

/// <summary>
/// The mailbox's owner takes over an account someone registered with their address and never verified: a reset
/// link followed from that mailbox proves the address, and the account is the owner's from then on — with the
/// owner's password, and with nothing the registrant set up.
/// </summary>
/// <remarks>
/// Called by the password reset, in its transaction, after the new password is set (which already ended every
/// outstanding link, <c>OutstandingLinks</c>) and before its sessions are revoked. Cleared here: the username,
/// second factors and recovery codes, passkeys, external logins, claims and Identity's tokens, the phone. The
/// profile (names, bio, phone) belongs to the Profiles module, which clears it on
/// <see cref="EventTypes.RegistrationReclaimed"/>. Only self-registered accounts still pending verification
/// qualify: an invited account was vouched for by an administrator and is active from the start.
/// </remarks>
public static class UnverifiedAccountTakeover
{
    public static bool Applies(User user) => user.Status == UserStatus.PendingVerification && user.EmailVerifiedAt is null;

    public static async Task ClearAsync(WardenDbContext db, User user, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var userId = user.Id;
        await db.RecoveryCodes.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.OneTimeCodes.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        // Through the change tracker, so that the cached account view forgets the second factors (AccountViewCache).
        db.TwoFactor.RemoveRange(await db.TwoFactor.Where(t => t.UserId == userId).ToListAsync(cancellationToken));
        await db.UserPasskeys.Where(p => p.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.UserLogins.Where(l => l.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.UserClaims.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.UserTokens.Where(t => t.UserId == userId).ExecuteDeleteAsync(cancellationToken);

        user.UserName = null;
        user.NormalizedUserName = null;
        user.PhoneNumber = null;
        user.PhoneNumberConfirmed = false;
        user.TwoFactorEnabled = false;
        user.UpdatedAt = now;
        db.AddEvent(EventTypes.RegistrationReclaimed, userId, new { userId }, now);
    }
}
