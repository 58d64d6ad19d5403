using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Infrastructure.Hosting;

public static class HealthEndpoints
{
    public sealed record HealthReport(string Status, IReadOnlyDictionary<string, string> Checks);

    public static RouteGroupBuilder MapHealthEndpoints(this RouteGroupBuilder group)
    {
        group.WithTags("Operations").AllowAnonymous();

        group.MapGet("/live", () => TypedResults.Ok(new HealthReport("live", new Dictionary<string, string>())))
            .WithName("Liveness")
            .WithSummary("The process is up.");

        group.MapGet("/ready", ReadyAsync)
            .WithName("Readiness")
            .WithSummary("The database is reachable and fully migrated.");

        return group;
    }

    private static async Task<Results<Ok<HealthReport>, JsonHttpResult<HealthReport>>> ReadyAsync(
        WardenDbContext db, FirstRoundsGate firstRounds, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var checks = new Dictionary<string, string>();
        bool ready;
        try
        {
            var pending = await db.Database.GetPendingMigrationsAsync(cancellationToken);
            ready = !pending.Any();
            checks["database"] = ready ? "ok" : "migrations pending";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Reported without the exception text: it may hold host names or connection details.
            loggers.CreateLogger("Warden.Health").LogWarning(ex, "Readiness check could not reach the database");
            ready = false;
            checks["database"] = "unreachable";
        }

        if (ready)
        {
            // The start is over: the background jobs' first rounds may run now.
            firstRounds.Open();
        }

        var report = new HealthReport(ready ? "ready" : "not_ready", checks);
        return ready ? TypedResults.Ok(report) : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
