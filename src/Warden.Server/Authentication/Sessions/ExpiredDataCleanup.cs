using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Authentication.Sessions;

/// <summary>Deletes what can no longer be used: expired sessions and tokens, and stale failure counters.</summary>
public sealed class ExpiredDataCleanup(IServiceScopeFactory scopes, TimeProvider time, IOptions<AuthenticationOptions> options, ILogger<ExpiredDataCleanup> logger)
    : BackgroundService
{
    /// <summary>Revoked sessions stay listed for administrators this long before they are deleted.</summary>
    public static readonly TimeSpan RevokedSessionRetention = TimeSpan.FromDays(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CleanupInterval, time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Cleaning expired sessions and tokens failed; trying again later");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        var now = time.GetUtcNow();
        var o = options.Value;
        var revokedBefore = now - RevokedSessionRetention;
        var staleBefore = now - o.FailureWindow;

        var deleted = await db.RefreshTokens.Where(t => t.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        deleted += await db.LoginChallenges.Where(c => c.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        deleted += await db.AccountTokens.Where(t => t.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        deleted += await db.Sessions.Where(s => s.ExpiresAt <= now || (s.RevokedAt != null && s.RevokedAt <= revokedBefore)).ExecuteDeleteAsync(cancellationToken);
        deleted += await db.LoginAttempts
            .Where(a => (a.LockedUntil == null && a.LastAttemptAt < staleBefore) || (a.LockedUntil != null && a.LockedUntil <= now))
            .ExecuteDeleteAsync(cancellationToken);
        return deleted;
    }
}
