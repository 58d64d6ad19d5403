using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Analytics;
using Warden.Server.Audit;
using Warden.Server.Infrastructure.Caching;
using Warden.Server.Infrastructure.Observability;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Deployment;

/// <summary>
/// What the deployment files name must exist in the running server: the metrics the Grafana dashboard and the
/// Prometheus rules query (after the exporter's name conversion), and the paths the probes ask. One server with
/// Redis configured, so the Redis gauge exists too.
/// </summary>
[SqliteOnly]
public sealed partial class DeploymentContractTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new();
    private WardenFactory? _factory;

    private WardenFactory Factory => _factory!;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _factory = new WardenFactory().With("Warden:Redis:Configuration", _redis.ConnectionString);
        _ = Factory.CreateClient(); // started
    }

    [Fact]
    public async Task EveryMetricTheDashboardAndTheAlertsQueryIsExported()
    {
        var exported = await ExportedFamiliesAsync();
        var queried = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var expression in DashboardExpressions())
        {
            foreach (var metric in MetricsIn(expression))
            {
                queried.TryAdd(metric, "deploy/grafana/warden.json");
            }
        }

        foreach (var expression in AlertExpressions())
        {
            foreach (var metric in MetricsIn(expression))
            {
                queried.TryAdd(metric, "deploy/prometheus/alerts.yaml");
            }
        }

        Assert.Contains("warden_logins_total", queried.Keys);
        Assert.Contains("http_server_request_duration_seconds_bucket", queried.Keys);
        foreach (var (metric, file) in queried)
        {
            Assert.True(exported.Contains(metric), $"{file} queries {metric}, which Warden does not export (it exports: {string.Join(", ", exported.Order())})");
        }
    }

    [Fact]
    public async Task EveryWardenFamilyIsOnTheDashboardAndInTheOperationsGuide()
    {
        var dashboard = DashboardExpressions().SelectMany(MetricsIn).ToHashSet();
        var operations = DeployFiles.Read("docs/operations.md");
        foreach (var family in (await ExportedFamiliesAsync()).Where(f => f.StartsWith("warden_", StringComparison.Ordinal)))
        {
            Assert.True(dashboard.Contains(family), $"{family} is not on deploy/grafana/warden.json");
            Assert.Contains($"`{family}`", operations, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TheProbesAskPathsTheServerServes()
    {
        var routes = Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/')).ToHashSet(StringComparer.Ordinal);
        var deployment = KubernetesManifestTests.Manifest("deployment.yaml", "Deployment");
        var container = deployment.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")[0];
        foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
        {
            var path = container.GetProperty(probe).GetProperty("httpGet").GetProperty("path").GetString()!;
            Assert.Contains(path, routes);
        }

        Assert.Equal("/health/ready", container.GetProperty("readinessProbe").GetProperty("httpGet").GetProperty("path").GetString());
        Assert.Equal("/health/live", container.GetProperty("livenessProbe").GetProperty("httpGet").GetProperty("path").GetString());
        Assert.Contains("/health/live", routes); // what `warden healthcheck` (the image's HEALTHCHECK) asks
    }

    /// <summary>Every family /metrics of this server can export, histograms with their _bucket, _count and _sum series.</summary>
    private async Task<HashSet<string>> ExportedFamiliesAsync()
    {
        // Instruments are created with the services that own them: make sure each exists, and a request was timed.
        var services = Factory.Services;
        _ = services.GetRequiredService<WardenMetrics>();
        _ = services.GetRequiredService<DatabaseGauges>();
        _ = services.GetRequiredService<AuditHeadPublisher>();
        _ = services.GetRequiredService<RedisConnection>();
        await Factory.CreateClient().GetAsync("/health/live");

        var meterFactory = services.GetRequiredService<IMeterFactory>();
        var families = new HashSet<string>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (!MetricsCollector.Exports(instrument, meterFactory))
            {
                return;
            }

            var name = MetricsCollector.ExportedName(instrument);
            lock (families)
            {
                families.Add(name);
                if (instrument.GetType().Name.StartsWith("Histogram", StringComparison.Ordinal))
                {
                    families.UnionWith([name + "_bucket", name + "_count", name + "_sum"]);
                }
            }
        };
        listener.Start(); // every instrument already created is published to a listener as it starts
        return families;
    }

    private static IEnumerable<string> DashboardExpressions()
    {
        using var dashboard = JsonDocument.Parse(DeployFiles.Read("deploy/grafana/warden.json"));
        return [.. DeployFiles.Descendants(dashboard.RootElement)
            .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("expr", out _))
            .Select(e => e.GetProperty("expr").GetString()!)
            .Concat(DeployFiles.Descendants(dashboard.RootElement)
                .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("definition", out _))
                .Select(e => e.GetProperty("definition").GetString()!))];
    }

    private static IEnumerable<string> AlertExpressions() =>
        DeployFiles.Yaml("deploy/prometheus/alerts.yaml").SelectMany(DeployFiles.Descendants)
            .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("expr", out _))
            .Select(e => e.GetProperty("expr").GetString()!);

    /// <summary>
    /// The metric names of a PromQL expression (or a Grafana <c>label_values(metric, label)</c>): identifiers once
    /// strings, label matchers, grouping clauses and ranges are removed, other than functions, keywords and Grafana's variables.
    /// </summary>
    internal static IEnumerable<string> MetricsIn(string expression)
    {
        var text = Quoted().Replace(expression, "\"\"");
        text = Braces().Replace(text, " ");
        text = Grouping().Replace(text, " ");
        text = Ranges().Replace(text, " ");
        text = Text.LabelValues().Replace(text, "$1");
        return Identifier().Matches(text).Where(m => !m.Groups["call"].Success && !Keywords.Contains(m.Groups["name"].Value))
            .Select(m => m.Groups["name"].Value).Distinct();
    }

    private static readonly HashSet<string> Keywords =
        ["and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "le", "instance"];

    public async Task DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        await _redis.DisposeAsync();
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Braces();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    // Not inside a number or a duration (the d of 1d), nor a Grafana variable.
    [GeneratedRegex(@"(?<![A-Za-z0-9_$.:])(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<call>\s*\()?")]
    private static partial Regex Identifier();

    private static partial class Text
    {
        // label_values(metric, label): the metric only.
        [GeneratedRegex(@"label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,[^)]*\)")]
        internal static partial Regex LabelValues();
    }
}
