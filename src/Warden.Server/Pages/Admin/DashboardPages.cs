using Warden.Server.Analytics;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Pages.Admin;

/// <summary>
/// <c>/admin</c>: the day's figures, from the same queries as <c>GET /api/v1/admin/stats</c> (permission
/// <c>admin:users</c>, as that route).
/// </summary>
public static class DashboardPages
{
    public static void Map(RouteGroupBuilder admin) => admin.MapGet("", ShowAsync);

    public static async Task<IResult> ShowAsync(HttpContext http, AdminArea area, WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Dashboard.Permission);
        if (admin is null)
        {
            return refusal!;
        }

        return AdminArea.Page<DashboardPage>(area.Frame(http, admin), new()
        {
            [nameof(DashboardPage.Users)] = await StatsEndpoints.UsersAsync(db, time, cancellationToken),
        });
    }
}
