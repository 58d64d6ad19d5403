using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Http;

namespace Warden.Server.Infrastructure.Observability;

public static class MetricsEndpoints
{
    /// <summary><c>GET /metrics</c> in the Prometheus text format, when <c>Warden:Metrics:Enabled</c>.</summary>
    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder app)
    {
        if (!app.ServiceProvider.GetRequiredService<IOptions<MetricsOptions>>().Value.Enabled)
        {
            return app;
        }

        app.MapGet("/metrics", ScrapeAsync)
            .AllowAnonymous()
            .WithTags("Operations")
            .WithName("Metrics")
            .WithSummary("Counters, gauges and request durations in the Prometheus text format.");
        return app;
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> ScrapeAsync(
        HttpContext http, MetricsCollector collector, IEnumerable<IGaugeSource> gauges, IOptions<MetricsOptions> options, CancellationToken cancellationToken)
    {
        if (!options.Value.Allows(http.Connection.RemoteIpAddress))
        {
            // As if absent: a scanner learns nothing about what runs here.
            return ApiProblems.NotFound();
        }

        foreach (var gauge in gauges)
        {
            await gauge.RefreshAsync(cancellationToken);
        }
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Text(collector.Scrape(), PrometheusText.ContentType);
    }
}
