using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Observability;

namespace Warden.Server.Authentication.Login;

/// <summary>
/// Counts sign-in attempts in the database, so every node sees the same count. An identifier that names an account
/// counts on the account's one key (<see cref="AccountKey"/>), whichever of its identifiers was typed and for
/// second-factor codes too; one that names no account counts on its own key, so that it locks after as many
/// failures and answers alike (no enumeration). An attempt is
/// reserved with one conditional update before any password hash is computed: twenty parallel guesses
/// cannot get more than <see cref="AuthenticationOptions.MaxFailedAttempts"/> of them evaluated. Only a
/// complete sign-in clears the count — never the password step alone, or the second factor could be
/// guessed by re-entering the password between guesses.
/// </summary>
public sealed class LoginThrottle(WardenDbContext db, TimeProvider time, IOptions<AuthenticationOptions> options, WardenMetrics metrics)
{
    public static string EmailKey(string normalizedEmail) => "email:" + normalizedEmail;

    public static string UsernameKey(string normalizedUserName) => "username:" + normalizedUserName;

    /// <summary>
    /// The key every sign-in attempt on this account counts on: its email's. Counting per identifier let the
    /// username be a fresh set of guesses once the email was locked. The email's key rather than a new one made
    /// from the id, so that what already reads lockout per identifier (the administrator's view and unlock,
    /// statistics, erasure) finds the account's lock where it looks.
    /// </summary>
    public static string AccountKey(Users.User user) =>
        user.NormalizedEmail is not null ? EmailKey(user.NormalizedEmail)
        : user.NormalizedUserName is not null ? UsernameKey(user.NormalizedUserName)
        : "account:" + user.Id.ToString("N");

    /// <summary>The keys of every identifier a user signs in with (email and, when set, username), the account's among them.</summary>
    public static List<string> KeysOf(Users.User user)
    {
        var keys = new List<string>(3);
        if (user.NormalizedEmail is not null)
        {
            keys.Add(EmailKey(user.NormalizedEmail));
        }

        if (user.NormalizedUserName is not null)
        {
            keys.Add(UsernameKey(user.NormalizedUserName));
        }

        if (!keys.Contains(AccountKey(user)))
        {
            keys.Add(AccountKey(user));
        }

        return keys;
    }

    /// <summary>Reserves one attempt; null when allowed, otherwise how long the identifier stays locked.</summary>
    public async Task<TimeSpan?> TryBeginAsync(string key, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var at = Stored(now);
        var staleBefore = Stored(now - o.FailureWindow);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            // One statement on the hot path, first attempt or not (an upsert; both databases have the same syntax): a
            // new identifier starts at 1, a lapsed lock or a stale count starts over at 1, otherwise the count goes up
            // by one if it is still under the limit. A locked identifier's row is left as it is and nothing is counted.
            var reserved = await db.Database.ExecuteSqlAsync($"""
                INSERT INTO login_attempts (identifier, failures, last_attempt_at, locked_until) VALUES ({key}, 1, {at}, NULL)
                ON CONFLICT (identifier) DO UPDATE SET
                    failures = CASE WHEN login_attempts.locked_until IS NOT NULL OR login_attempts.last_attempt_at < {staleBefore}
                        THEN 1 ELSE login_attempts.failures + 1 END,
                    locked_until = NULL,
                    last_attempt_at = {at}
                WHERE (login_attempts.locked_until IS NOT NULL AND login_attempts.locked_until <= {at})
                   OR (login_attempts.locked_until IS NULL
                       AND (login_attempts.last_attempt_at < {staleBefore} OR login_attempts.failures < {o.MaxFailedAttempts}))
                """, cancellationToken);
            if (reserved == 1)
            {
                return null;
            }

            var row = await db.LoginAttempts.Where(a => a.Identifier == key)
                .Select(a => new { a.LockedUntil, a.Failures }).SingleOrDefaultAsync(cancellationToken);
            if (row is null || (row is { LockedUntil: null } && row.Failures < o.MaxFailedAttempts))
            {
                continue; // a concurrent sign-in cleared or reset the row between the two statements: try again
            }

            var remaining = (row.LockedUntil ?? now + o.LockoutDuration) - now;
            return remaining > TimeSpan.Zero ? remaining : TimeSpan.FromSeconds(1);
        }

        return o.LockoutDuration;
    }

    /// <summary>A time as the column stores it (SQLite: EF's binary form; PostgreSQL: as it is), for the raw upsert.</summary>
    private object Stored(DateTimeOffset value) =>
        db.Model.FindEntityType(typeof(LoginAttempt))!.FindProperty(nameof(LoginAttempt.LastAttemptAt))!.GetTypeMapping().Converter?.ConvertToProvider(value) ?? value;

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

    /// <summary>
    /// Gives back a reserved attempt that turned out right but is not a sign-in (re-authentication of a signed-in
    /// user), so that confirming one's password a few times never locks the account.
    /// </summary>
    public Task ReleaseAsync(string key, CancellationToken cancellationToken) =>
        db.LoginAttempts
            .Where(a => a.Identifier == key && a.LockedUntil == null && a.Failures > 0)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Failures, a => a.Failures - 1), cancellationToken);

    /// <summary>A complete sign-in (every factor) clears the counts of all the user's identifiers.</summary>
    public async Task ResetAsync(IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        var list = keys.ToList();
        await db.LoginAttempts.Where(a => list.Contains(a.Identifier)).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>Clears a lock by hand (administrators).</summary>
    public Task ClearAsync(IEnumerable<string> keys, CancellationToken cancellationToken) => ResetAsync(keys, cancellationToken);
}
