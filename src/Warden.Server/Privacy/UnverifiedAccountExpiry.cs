using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Users;

namespace Warden.Server.Privacy;

/// <summary>
/// Erases self-registered accounts whose address was not verified within
/// <c>Warden:Authentication:UnverifiedAccountLifetime</c> (7 days by default), so an address registered by someone
/// who cannot read its mail is free again for its owner. Erasure as for a deleted account (<see cref="AccountErasure"/>):
/// the personal data goes, the address is released, <c>user.deleted</c> reports it with no actor.
/// </summary>
/// <remarks>
/// Only accounts still pending verification that were never verified: invited accounts are active from the start,
/// and a suspended or verified account is not the squatter's to lose. Each account is re-checked inside the
/// transaction that erases it, so one verified meanwhile is kept.
/// </remarks>
public sealed class UnverifiedAccountExpiry(
    IServiceScopeFactory scopes, FirstRoundsGate gate, TimeProvider time, IOptions<AuthenticationOptions> options, ILogger<UnverifiedAccountExpiry> logger)
    : PeriodicJob(scopes, gate, time)
{
    private const int BatchSize = 100;

    protected override TimeSpan Interval => options.Value.CleanupInterval;

    protected override void LogFailed(Exception exception) =>
        logger.LogWarning(exception, "Erasing expired unverified accounts failed; trying again later");

    protected override async Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<WardenDbContext>();
        var erasure = services.GetRequiredService<AccountErasure>();
        var createdBefore = Time.GetUtcNow() - options.Value.UnverifiedAccountLifetime;
        var erased = 0;
        while (true)
        {
            var expired = await Expired(db, createdBefore).OrderBy(u => u.Id).Select(u => u.Id).Take(BatchSize).ToListAsync(cancellationToken);
            foreach (var userId in expired)
            {
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                var gone = await Expired(db, createdBefore).AnyAsync(u => u.Id == userId, cancellationToken)
                    && await erasure.EraseAsync(userId, null, cancellationToken) == ErasureResult.Erased;
                await transaction.CommitAsync(cancellationToken);
                if (gone)
                {
                    // Files and caches go once the erasure is committed.
                    await erasure.CompleteAsync(userId, cancellationToken);
                    erased++;
                }

                db.ChangeTracker.Clear();
            }

            if (expired.Count < BatchSize)
            {
                if (erased > 0)
                {
                    logger.LogInformation("Erased {Count} accounts whose address was never verified", erased);
                }

                return erased;
            }
        }
    }

    private static IQueryable<User> Expired(WardenDbContext db, DateTimeOffset createdBefore) =>
        db.Users.Where(u => u.Status == UserStatus.PendingVerification && u.EmailVerifiedAt == null && u.CreatedAt <= createdBefore);
}
