using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Audit;
using Warden.Server.Authorization;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Analytics;

public sealed record UserStats(long TotalUsers, long ActiveUsers, long VerifiedUsers, long NewUsers30d, long LockedUsers, long TwoFactorUsers);

public sealed record DayStats(string Date, long Logins, long FailedLogins, long Registrations);

public sealed record LoginStats(string From, string To, IReadOnlyList<DayStats> Days);

/// <summary><c>GET /api/v1/admin/stats</c> and <c>/stats/logins</c> (permission <c>admin:users</c>).</summary>
public static class StatsEndpoints
{
    public static RouteGroupBuilder MapStatsEndpoints(this RouteGroupBuilder stats)
    {
        stats.WithTags("Administration").RequireAuthorization(PermissionPolicies.AdminUsers);
        stats.MapGet("", GetUsersAsync).WithName("GetUserStats")
            .WithSummary("Account totals. Erased accounts are not counted.");
        stats.MapGet("/logins", GetLoginsAsync).WithName("GetLoginStats")
            .WithSummary("Sign-ins, failed sign-ins and registrations per UTC day, oldest first, every day present.");
        return stats;
    }

    private static async Task<Ok<UserStats>> GetUsersAsync(WardenDbContext db, TimeProvider time, CancellationToken cancellationToken) =>
        TypedResults.Ok(await UsersAsync(db, time, cancellationToken));

    /// <summary>The account totals (the API's and the console dashboard's one query).</summary>
    public static async Task<UserStats> UsersAsync(WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var since = now.AddDays(-30);
        var users = db.Users.AsNoTracking().Where(u => u.Status != UserStatus.Deleted);

        // Lockout is kept per identifier (email or username), whether or not an account has it; a user is
        // locked when either of theirs is.
        var locked = await users.LongCountAsync(u =>
            (u.LockoutEnd != null && u.LockoutEnd > now)
            || db.LoginAttempts.Any(a => a.LockedUntil != null && a.LockedUntil > now
                && (a.Identifier == "email:" + u.NormalizedEmail || a.Identifier == "username:" + u.NormalizedUserName)), cancellationToken);

        return new UserStats(
            await users.LongCountAsync(cancellationToken),
            await users.LongCountAsync(u => u.Status == UserStatus.Active, cancellationToken),
            await users.LongCountAsync(u => u.EmailVerifiedAt != null, cancellationToken),
            await users.LongCountAsync(u => u.CreatedAt >= since, cancellationToken),
            locked,
            await users.LongCountAsync(u => u.TwoFactorEnabled, cancellationToken));
    }

    private static async Task<Results<Ok<LoginStats>, ValidationProblem>> GetLoginsAsync(
        WardenDbContext db, TimeProvider time, CancellationToken cancellationToken, string? days = null)
    {
        var errors = new Dictionary<string, string[]>();
        var count = AuditEndpoints.ParseInt(days, 30, "days", 1, 365, errors);
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        return TypedResults.Ok(await LoginsAsync(db, time, count, cancellationToken));
    }

    /// <summary>The last <paramref name="count"/> UTC days, oldest first, every day present (the API's and the dashboard's chart).</summary>
    public static async Task<LoginStats> LoginsAsync(WardenDbContext db, TimeProvider time, int count, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var first = today.AddDays(1 - count);
        var rows = await db.DailyStats.AsNoTracking()
            .Where(s => s.Date >= first && s.Date <= today)
            .ToDictionaryAsync(s => s.Date, cancellationToken);
        var list = Enumerable.Range(0, count)
            .Select(i => first.AddDays(i))
            .Select(d => rows.TryGetValue(d, out var s)
                ? new DayStats(Iso(d), s.Logins, s.FailedLogins, s.Registrations)
                : new DayStats(Iso(d), 0, 0, 0))
            .ToList();
        return new LoginStats(Iso(first), Iso(today), list);
    }

    /// <summary>How many accounts are in each status (erased ones included: they are a status too).</summary>
    public static async Task<IReadOnlyDictionary<UserStatus, long>> UsersByStatusAsync(WardenDbContext db, CancellationToken cancellationToken) =>
        (await db.Users.AsNoTracking().GroupBy(u => u.Status).Select(g => new { g.Key, Count = g.LongCount() }).ToListAsync(cancellationToken))
        .ToDictionary(g => g.Key, g => g.Count);

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
