using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Infrastructure.Http;

namespace Warden.Server.Authentication.Sessions;

/// <summary>Deletes what can no longer be used: expired sessions and tokens, stale failure counters, and expired automatic IP blocks with the failures that made them.</summary>
public sealed class ExpiredDataCleanup(IServiceScopeFactory scopes, FirstRoundsGate gate, TimeProvider time, IOptions<AuthenticationOptions> options, IOptions<IpRulesOptions> ipRules, ILogger<ExpiredDataCleanup> logger)
    : PeriodicJob(scopes, gate, time)
{
    /// <summary>Revoked sessions stay listed for administrators this long before they are deleted.</summary>
    public static readonly TimeSpan RevokedSessionRetention = TimeSpan.FromDays(30);

    protected override TimeSpan Interval => options.Value.CleanupInterval;

    protected override void LogFailed(Exception exception) =>
        logger.LogWarning(exception, "Cleaning expired sessions and tokens failed; trying again later");

    protected override async Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<WardenDbContext>();
        var now = Time.GetUtcNow();
        var o = options.Value;
        var revokedBefore = now - RevokedSessionRetention;
        var staleBefore = now - o.FailureWindow;

        var deleted = await db.RefreshTokens.Where(t => t.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        deleted += await db.LoginChallenges.Where(c => c.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        deleted += await db.PasskeyChallenges.Where(c => c.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        deleted += await db.AccountTokens.Where(t => t.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        deleted += await db.Sessions.Where(s => s.ExpiresAt <= now || (s.RevokedAt != null && s.RevokedAt <= revokedBefore)).ExecuteDeleteAsync(cancellationToken);
        deleted += await db.LoginAttempts
            .Where(a => (a.LockedUntil == null && a.LastAttemptAt < staleBefore) || (a.LockedUntil != null && a.LockedUntil <= now))
            .ExecuteDeleteAsync(cancellationToken);
        // Failures older than the longest automatic-block window; blocks whose time is up.
        var failuresBefore = now - ipRules.Value.AutoBlockWindow;
        deleted += await db.IpSignInFailures.Where(f => f.FailedAt <= failuresBefore).ExecuteDeleteAsync(cancellationToken);
        deleted += await db.IpBlocks.Where(b => b.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        foreach (var dependent in services.GetServices<ISessionGrants>())
        {
            deleted += await dependent.PruneAsync(now, cancellationToken);
        }
        return deleted;
    }
}
