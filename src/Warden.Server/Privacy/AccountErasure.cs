using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;

namespace Warden.Server.Privacy;

/// <summary>
/// Erases a user's personal data (self-deletion and administrator erasure alike). The row stays, with a
/// pseudonymous id only, so audit entries keep pointing at something; the email address becomes free.
/// Each module erases its own tables (<see cref="IPersonalData"/>), the modules above first, so a lower one
/// (the account itself) still holds what a higher one reads; everything happens in one transaction, and
/// sessions end exactly when the data goes.
/// </summary>
public sealed class AccountErasure(WardenDbContext db, SessionRevocation revocation, IEnumerable<IPersonalData> modules, TimeProvider time)
{
    /// <summary>Erases the user; false when there is no such (undeleted) user.</summary>
    public async Task<bool> EraseAsync(Guid userId, Guid? actorId, CancellationToken cancellationToken)
    {
        await using var transaction = db.Database.CurrentTransaction is null
            ? await db.Database.BeginTransactionAsync(cancellationToken)
            : null;

        if (!await db.Users.AnyAsync(u => u.Id == userId && u.Status != UserStatus.Deleted, cancellationToken))
        {
            return false;
        }

        var now = time.GetUtcNow();
        await revocation.RevokeAllAsync(userId, null, RevocationReasons.Deleted, cancellationToken);

        // Modules register bottom-up (WardenApplication), so erasure runs them backwards: the account core last.
        var ordered = modules.Reverse().ToList();
        foreach (var module in ordered)
        {
            await module.EraseAsync(userId, cancellationToken);
        }

        // The event names only the pseudonymous id: it outlives the data it reports on.
        db.AddEvent(EventTypes.UserDeleted, userId, new { userId, actorId }, now);
        await db.SaveChangesAsync(cancellationToken);
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var module in ordered)
        {
            await module.AfterErasureAsync(userId, cancellationToken);
        }

        return true;
    }
}
