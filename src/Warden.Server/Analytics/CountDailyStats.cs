using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Observability;

namespace Warden.Server.Analytics;

/// <summary>
/// Sign-ins, failed sign-ins, registrations (and reset requests, for the metrics) → the day's counters and the
/// Prometheus counters. The increment is one atomic upsert that commits with this handler's completion (an
/// <see cref="IAtomicEventHandler"/>), so nodes counting at once never lose an update and no event counts twice.
/// Counting here rather than in the endpoints keeps the sign-in path free of any extra work.
/// </summary>
public sealed class CountDailyStats(WardenDbContext db, WardenMetrics metrics) : IAtomicEventHandler
{
    public string Name => "analytics.daily-stats";

    public bool CanHandle(string eventType) =>
        eventType is EventTypes.LoginSucceeded or EventTypes.LoginFailed or EventTypes.UserRegistered or EventTypes.PasswordResetRequested;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var (logins, failed, registrations) = message.Type switch
        {
            EventTypes.LoginSucceeded => (1, 0, 0),
            EventTypes.LoginFailed => (0, 1, 0),
            EventTypes.UserRegistered => (0, 0, 1),
            _ => (0, 0, 0),
        };

        if (logins + failed + registrations > 0)
        {
            var date = DateOnly.FromDateTime(message.OccurredAt.UtcDateTime);
            // The same statement on SQLite (3.24+) and PostgreSQL.
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO daily_stats (date, logins, failed_logins, registrations)
                VALUES ({date}, {logins}, {failed}, {registrations})
                ON CONFLICT (date) DO UPDATE SET
                    logins = daily_stats.logins + excluded.logins,
                    failed_logins = daily_stats.failed_logins + excluded.failed_logins,
                    registrations = daily_stats.registrations + excluded.registrations
                """, cancellationToken);
        }

        // Counted last: a failure above means a retry, and the retry counts.
        switch (message.Type)
        {
            case EventTypes.LoginSucceeded:
                metrics.LoginSucceeded();
                break;
            case EventTypes.LoginFailed:
                metrics.LoginFailed(FailureReason(message.Data));
                break;
            case EventTypes.UserRegistered:
                metrics.Registered();
                break;
            case EventTypes.PasswordResetRequested:
                metrics.PasswordResetRequested();
                break;
        }
    }

    private static string FailureReason(string data)
    {
        using var json = JsonDocument.Parse(data);
        var reason = json.RootElement.ValueKind == JsonValueKind.Object
                     && json.RootElement.TryGetProperty("reason", out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

        // A small fixed set, so the label's values never grow without bound.
        return reason is "invalid_credentials" or "email_not_verified" or "account_suspended" or "invalid_code" or "account_locked"
            ? reason
            : "other";
    }
}
