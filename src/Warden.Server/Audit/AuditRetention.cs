using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Users;

namespace Warden.Server.Audit;

/// <summary>
/// Deletes audit entries older than <see cref="AuditOptions.Retention"/>, and scrubs again the entries of users
/// erased in the last two days (an entry written by another node while the erasure was being handled). Chained
/// entries go only as the oldest stretch of the chain (never a hole in it), and the same transaction appends a
/// checkpoint entry naming the last one deleted and its hash, which is where verification then starts.
/// </summary>
public sealed partial class AuditRetention(IServiceScopeFactory scopes, FirstRoundsGate gate, TimeProvider time, IOptions<AuditOptions> options, ILogger<AuditRetention> logger)
    : PeriodicJob(scopes, gate, time)
{
    protected override TimeSpan Interval => options.Value.CleanupInterval;

    protected override void LogFailed(Exception exception) => LogFailed(logger, exception);

    /// <summary>Returns how many entries were deleted.</summary>
    protected override async Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<WardenDbContext>();
        var now = Time.GetUtcNow();
        var cutoff = now - options.Value.Retention;
        var deleted = await db.AuditLog.Where(e => e.Sequence == null && e.OccurredAt < cutoff).ExecuteDeleteAsync(cancellationToken);
        deleted += await PruneChainAsync(db, cutoff, cancellationToken);

        var recentlyErasedSince = now - TimeSpan.FromDays(2);
        var erased = await db.Users.AsNoTracking()
            .Where(u => u.Status == UserStatus.Deleted && u.DeletedAt >= recentlyErasedSince)
            .Select(u => u.Id)
            .ToListAsync(cancellationToken);
        foreach (var userId in erased)
        {
            await EraseAuditPersonalData.ScrubAsync(db, userId, cancellationToken);
        }

        if (deleted > 0)
        {
            LogDeleted(logger, deleted);
        }

        return deleted;
    }

    private async Task<int> PruneChainAsync(WardenDbContext db, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var chained = db.AuditLog.Where(e => e.Sequence != null);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        // The oldest stretch in chain order whose every entry is past retention: up to the first one that is not.
        var firstKept = await chained.Where(e => e.OccurredAt >= cutoff).MinAsync(e => e.Sequence, cancellationToken);
        var last = await chained.Where(e => e.OccurredAt < cutoff && (firstKept == null || e.Sequence < firstKept))
            .OrderByDescending(e => e.Sequence)
            .Select(e => new { Sequence = e.Sequence!.Value, e.Hash })
            .FirstOrDefaultAsync(cancellationToken);
        if (last is null)
        {
            return 0;
        }

        var deleted = await chained.Where(e => e.Sequence <= last.Sequence).ExecuteDeleteAsync(cancellationToken);
        var checkpoint = new AuditEntry
        {
            OccurredAt = Time.GetUtcNow(),
            Action = AuditCheckpoint.Action,
            Outcome = AuditOutcomes.Success,
            Details = AuditCheckpoint.Details(last.Sequence, last.Hash!, deleted),
        };
        await AuditChain.AppendAsync(db, checkpoint, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogCheckpoint(logger, last.Sequence, checkpoint.Sequence!.Value);
        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned the audit chain through entry {PrunedThrough}; checkpoint entry {Checkpoint} records it")]
    private static partial void LogCheckpoint(ILogger logger, long prunedThrough, long checkpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} audit entries past the retention period")]
    private static partial void LogDeleted(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit retention cleanup failed; trying again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
