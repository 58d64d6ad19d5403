using Microsoft.AspNetCore.Http.HttpResults;
using Warden.Server.Administration;
using Warden.Server.Analytics;
using Warden.Server.Authorization;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;
using Warden.Server.Webhooks;

namespace Warden.Server.Pages.Admin;

/// <summary>What the dashboard shows about the system, to holders of <c>admin:system</c> only (as the API's routes for them).</summary>
public sealed record SystemHealth(int BlockedAddresses, WebhookFailureCounts Webhooks, long OutboxBacklog, long PoisonedEvents);

/// <summary>
/// <c>/admin</c>: accounts by status and the totals of <c>GET /api/v1/admin/stats</c>, the last 30 days of
/// <c>/stats/logins</c> as a chart (permission <c>admin:users</c>, as those routes); for holders of <c>admin:system</c>
/// also blocked addresses (<c>GET /api/v1/admin/ip-rules/blocks</c>), webhook failures, poisoned events and the outbox
/// backlog (the metrics' gauges). Every figure comes from the query the API or the gauges use.
/// </summary>
public static class DashboardPages
{
    public const int ChartDays = 30;

    public static void Map(RouteGroupBuilder admin) => admin.MapGet("", ShowAsync);

    public static async Task<IResult> ShowAsync(HttpContext http, AdminArea area, WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Dashboard.Permission);
        if (admin is null)
        {
            return refusal!;
        }

        SystemHealth? health = null;
        if (admin.Holds(PermissionNames.AdminSystem))
        {
            var blocks = (await IpRuleEndpoints.ListBlocksAsync(db, time, cancellationToken)).Value!;
            var (backlog, poisoned) = await DatabaseGauges.OutboxAsync(db, cancellationToken);
            health = new SystemHealth(blocks.Count, await WebhookFailures.CountAsync(db, cancellationToken), backlog, poisoned);
        }

        return AdminArea.Page<DashboardPage>(area.Frame(http, admin), new()
        {
            [nameof(DashboardPage.Users)] = await StatsEndpoints.UsersAsync(db, time, cancellationToken),
            [nameof(DashboardPage.ByStatus)] = await StatsEndpoints.UsersByStatusAsync(db, cancellationToken),
            [nameof(DashboardPage.Days)] = await StatsEndpoints.LoginsAsync(db, time, ChartDays, cancellationToken),
            [nameof(DashboardPage.Health)] = health,
        });
    }

    public static IEnumerable<UserStatus> Statuses => [UserStatus.Active, UserStatus.PendingVerification, UserStatus.Suspended, UserStatus.Deleted];
}
