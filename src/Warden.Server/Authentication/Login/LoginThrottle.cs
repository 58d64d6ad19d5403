using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Observability;

namespace Warden.Server.Authentication.Login;

/// <summary>
/// Counts sign-in attempts per identifier in the database, so every node sees the same count. An attempt is
/// reserved with one conditional update before any password hash is computed: twenty parallel guesses
/// cannot get more than <see cref="AuthenticationOptions.MaxFailedAttempts"/> of them evaluated. Only a
/// complete sign-in clears the count — never the password step alone, or the second factor could be
/// guessed by re-entering the password between guesses.
/// </summary>
public sealed class LoginThrottle(WardenDbContext db, TimeProvider time, IOptions<AuthenticationOptions> options, WardenMetrics metrics)
{
    public static string EmailKey(string normalizedEmail) => "email:" + normalizedEmail;

    public static string UsernameKey(string normalizedUserName) => "username:" + normalizedUserName;

    /// <summary>Reserves one attempt; null when allowed, otherwise how long the identifier stays locked.</summary>
    public async Task<TimeSpan?> TryBeginAsync(string key, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        await EnsureRowAsync(key, now, cancellationToken);

        var staleBefore = now - o.FailureWindow;
        await db.LoginAttempts
            .Where(a => a.Identifier == key &&
                        ((a.LockedUntil != null && a.LockedUntil <= now) || (a.LockedUntil == null && a.LastAttemptAt < staleBefore)))
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Failures, 0).SetProperty(a => a.LockedUntil, (DateTimeOffset?)null), cancellationToken);

        var reserved = await db.LoginAttempts
            .Where(a => a.Identifier == key && a.LockedUntil == null && a.Failures < o.MaxFailedAttempts)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Failures, a => a.Failures + 1).SetProperty(a => a.LastAttemptAt, now), cancellationToken);
        if (reserved == 1)
        {
            return null;
        }

        var lockedUntil = await db.LoginAttempts.Where(a => a.Identifier == key).Select(a => a.LockedUntil).SingleAsync(cancellationToken);
        var remaining = (lockedUntil ?? now + o.LockoutDuration) - now;
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.FromSeconds(1);
    }

    /// <summary>Records that the reserved attempt failed; true when this failure locked the identifier.</summary>
    public async Task<bool> FailAsync(string key, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var lockedUntil = now + o.LockoutDuration;
        var locked = await db.LoginAttempts
            .Where(a => a.Identifier == key && a.LockedUntil == null && a.Failures >= o.MaxFailedAttempts)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.LockedUntil, (DateTimeOffset?)lockedUntil), cancellationToken);
        if (locked == 1)
        {
            metrics.Lockout();
        }

        return locked == 1;
    }

    /// <summary>A complete sign-in (every factor) clears the counts of all the user's identifiers.</summary>
    public async Task ResetAsync(IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        var list = keys.ToList();
        await db.LoginAttempts.Where(a => list.Contains(a.Identifier)).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>Clears a lock by hand (administrators).</summary>
    public Task ClearAsync(IEnumerable<string> keys, CancellationToken cancellationToken) => ResetAsync(keys, cancellationToken);

    private async Task EnsureRowAsync(string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await db.LoginAttempts.AnyAsync(a => a.Identifier == key, cancellationToken))
        {
            return;
        }

        var row = new LoginAttempt { Identifier = key, LastAttemptAt = now };
        db.LoginAttempts.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // A concurrent attempt created it first; its row is the one that counts.
        }
        finally
        {
            db.Entry(row).State = EntityState.Detached;
        }
    }
}
