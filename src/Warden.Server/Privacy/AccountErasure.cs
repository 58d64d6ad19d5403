using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authorization;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;

namespace Warden.Server.Privacy;

public enum ErasureResult
{
    Erased,

    /// <summary>No such (undeleted) user.</summary>
    NotFound,

    /// <summary>The user is the last active holder of <c>admin:system</c>; nothing was changed.</summary>
    LastAdministrator,
}

/// <summary>
/// Erases a user's personal data (self-deletion and administrator erasure alike). The row stays, with a
/// pseudonymous id only, so audit entries keep pointing at something; the email address becomes free.
/// Each module erases its own tables (<see cref="IPersonalData"/>), the modules above first, so a lower one
/// (the account itself) still holds what a higher one reads; everything happens in one transaction, and
/// sessions end exactly when the data goes. The last active holder of <c>admin:system</c> is not erased, by
/// anyone, themselves included: that would leave nobody able to administer the system.
/// </summary>
public sealed class AccountErasure(WardenDbContext db, SessionRevocation revocation, IEnumerable<IPersonalData> modules, TimeProvider time)
{
    /// <summary>
    /// Erases the user. In its own transaction unless the caller has one; a caller with a transaction commits it
    /// and then calls <see cref="CompleteAsync"/> (files and caches go only once the erasure is committed).
    /// </summary>
    public async Task<ErasureResult> EraseAsync(Guid userId, Guid? actorId, CancellationToken cancellationToken)
    {
        await using var transaction = db.Database.CurrentTransaction is null
            ? await db.Database.BeginTransactionAsync(cancellationToken)
            : null;
        await AccessGuards.LockAsync(db, cancellationToken);

        if (!await db.Users.AnyAsync(u => u.Id == userId && u.Status != UserStatus.Deleted, cancellationToken))
        {
            return ErasureResult.NotFound;
        }

        // Decided before anything changes: revoking sessions marks them revoked in this node's cache at once.
        var access = await AccessSnapshot.LoadAsync(db, userId, cancellationToken);
        if (access.EffectivePermissions.Contains(PermissionNames.AdminSystem)
            && !await AccessGuards.SystemAdministratorRemainsAsync(db, cancellationToken, except: userId))
        {
            return ErasureResult.LastAdministrator;
        }

        var now = time.GetUtcNow();
        await revocation.RevokeAllAsync(userId, null, RevocationReasons.Deleted, cancellationToken);

        // Modules register bottom-up (WardenApplication), so erasure runs them backwards: the account core last.
        foreach (var module in modules.Reverse())
        {
            await module.EraseAsync(userId, cancellationToken);
        }

        // The event names only the pseudonymous id: it outlives the data it reports on.
        db.AddEvent(EventTypes.UserDeleted, userId, new { userId, actorId }, now);
        await db.SaveChangesAsync(cancellationToken);
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
            await CompleteAsync(userId, cancellationToken);
        }

        return ErasureResult.Erased;
    }

    /// <summary>The work that waits for the commit (<see cref="IPersonalData.AfterErasureAsync"/>).</summary>
    public async Task CompleteAsync(Guid userId, CancellationToken cancellationToken)
    {
        foreach (var module in modules.Reverse())
        {
            await module.AfterErasureAsync(userId, cancellationToken);
        }
    }
}
