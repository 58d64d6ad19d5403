using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Users;

namespace Warden.Server.Audit;

/// <summary>
/// Deletes audit entries older than <see cref="AuditOptions.Retention"/>, and scrubs again the entries of users
/// erased in the last two days (an entry written by another node while the erasure was being handled).
/// </summary>
public sealed partial class AuditRetention(IServiceScopeFactory scopes, TimeProvider time, IOptions<AuditOptions> options, ILogger<AuditRetention> logger)
    : PeriodicJob(scopes, time)
{
    protected override TimeSpan Interval => options.Value.CleanupInterval;

    protected override void LogFailed(Exception exception) => LogFailed(logger, exception);

    /// <summary>Returns how many entries were deleted.</summary>
    protected override async Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<WardenDbContext>();
        var now = Time.GetUtcNow();
        var cutoff = now - options.Value.Retention;
        var deleted = await db.AuditLog.Where(e => e.OccurredAt < cutoff).ExecuteDeleteAsync(cancellationToken);

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} audit entries past the retention period")]
    private static partial void LogDeleted(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit retention cleanup failed; trying again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
