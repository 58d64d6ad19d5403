using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Observability;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Observability;

public sealed class MetricsTests
{
    [Fact]
    public async Task MetricsAreServedAnonymouslyAndTheCountersMoveWithWhatHappens()
    {
        await using var factory = new OutsideFactory();
        var client = factory.CreateClient();
        var before = await ScrapeAsync(client);

        var email = AuthFlows.NewEmail("metrics");
        await client.RegisterAsync(email);
        await factory.ActivateAsync(email);
        var tokens = await client.LoginAsync(email);
        await client.PostLoginAsync(email, "Wrong-Password-1!");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken })).StatusCode);
        for (var i = 0; i < 5; i++)
        {
            await client.PostLoginAsync("nobody@example.com", "Wrong-Password-1!"); // locks an identifier without an account
        }

        await factory.WaitForEventsHandledAsync();
        var after = await ScrapeAsync(client);

        double Delta(string name, params (string, string)[] labels) => after.Value(name, labels) - before.Value(name, labels);
        Assert.Equal(1, Delta("warden_registrations_total"));
        Assert.Equal(1, Delta("warden_logins_total", ("outcome", "success")));
        Assert.Equal(6, Delta("warden_logins_total", ("outcome", "failure"), ("reason", "invalid_credentials")));
        Assert.Equal(1, Delta("warden_tokens_issued_total", ("grant", "sign_in")));
        Assert.Equal(1, Delta("warden_tokens_issued_total", ("grant", "refresh")));
        Assert.Equal(1, Delta("warden_lockouts_total"));
        Assert.Equal("counter", after.Types["warden_logins_total"]);
        Assert.Contains("Sign-in attempts", after.Help["warden_logins_total"], StringComparison.Ordinal);

        // ASP.NET Core's request durations, by route.
        Assert.Equal("histogram", after.Types["http_server_request_duration_seconds"]);
        Assert.True(after.Value("http_server_request_duration_seconds_count", ("http_route", "/api/v1/auth/login"), ("http_request_method", "POST")) >= 7);
        Assert.True(after.Value("http_server_request_duration_seconds_bucket", ("http_route", "/api/v1/auth/login"), ("le", "+Inf")) >= 7);

        // Gauges read from the database.
        Assert.Equal("gauge", after.Types["warden_sessions_active"]);
        Assert.True(after.Value("warden_sessions_active") >= 1);
        Assert.Equal(0, after.Value("warden_outbox_backlog"));
    }

    [Fact]
    public async Task RateLimitRejectionsAreCountedByLimiter()
    {
        await using var factory = new OutsideFactory();
        factory.With("Warden:RateLimits:AuthPerIpPerMinute", "3").With("Warden:RateLimits:LoginPerIdentifierPerMinute", "1");
        var client = factory.CreateClient();
        await client.PostLoginAsync("someone@example.com", "Wrong-Password-1!");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.PostLoginAsync("someone@example.com", "Wrong-Password-1!")).StatusCode);
        await client.PostLoginAsync("else@example.com", "Wrong-Password-1!");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.PostLoginAsync("third@example.com", "Wrong-Password-1!")).StatusCode);

        var scrape = await ScrapeAsync(client);
        Assert.Equal(1, scrape.Value("warden_rate_limit_rejections_total", ("limiter", "identifier")));
        Assert.Equal(1, scrape.Value("warden_rate_limit_rejections_total", ("limiter", "ip")));
    }

    [Fact]
    public async Task MetricsCanBeRestrictedToNetworksAndTurnedOff()
    {
        await using (var restricted = new OutsideFactory())
        {
            restricted.With("Warden:Metrics:AllowedNetworks:0", "10.0.0.0/8").With("Warden:Metrics:AllowedNetworks:1", "192.0.2.1");
            var client = restricted.CreateClient();
            await (await client.GetAsync("/metrics")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
            Assert.Equal(HttpStatusCode.OK, (await GetFromAsync(client, "10.1.2.3")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await GetFromAsync(client, "192.0.2.1")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await GetFromAsync(client, "192.0.2.2")).StatusCode);
        }

        await using var off = new OutsideFactory();
        off.With("Warden:Metrics:Enabled", "false");
        await (await off.CreateClient().GetAsync("/metrics")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TwoServersInOneProcessNeverMixTheirNumbers()
    {
        await using var one = new OutsideFactory();
        await using var two = new OutsideFactory();
        await one.CreateClient().RegisterAsync(AuthFlows.NewEmail());
        await one.WaitForEventsHandledAsync();
        Assert.Equal(1, (await ScrapeAsync(one.CreateClient())).Value("warden_registrations_total"));
        Assert.Equal(0, (await ScrapeAsync(two.CreateClient())).Value("warden_registrations_total"));
    }

    [Fact]
    public async Task TheExporterWritesEveryInstrumentKindCorrectly()
    {
        await using var factory = new OutsideFactory();
        var meter = factory.Services.GetRequiredService<WardenMetrics>().Meter;
        var counter = meter.CreateCounter<double>("test.escaping", "By", "Help with a \\ backslash\nand a new line.");
        counter.Add(1.5, new KeyValuePair<string, object?>("path", "C:\\dir \"quoted\"\nnext"), new KeyValuePair<string, object?>("z.label", 1));
        counter.Add(2, new KeyValuePair<string, object?>("path", "C:\\dir \"quoted\"\nnext"), new KeyValuePair<string, object?>("z.label", 1));
        var histogram = meter.CreateHistogram<double>("test.latency", "s", "Latency.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1] });
        histogram.Record(0.05);
        histogram.Record(0.1);
        histogram.Record(0.5);
        histogram.Record(7);
        var upDown = meter.CreateUpDownCounter<long>("test.queue", "{item}");
        upDown.Add(5);
        upDown.Add(-2);

        var text = await (await GetFromAsync(factory.CreateClient(), "127.0.0.1")).Content.ReadAsStringAsync();
        var scrape = PrometheusScrape.Parse(text);

        Assert.Contains("# HELP test_escaping_bytes_total Help with a \\\\ backslash\\nand a new line.\n", text, StringComparison.Ordinal);
        var escaped = Assert.Single(scrape.Samples, s => s.Name == "test_escaping_bytes_total");
        Assert.Equal("C:\\dir \"quoted\"\nnext", escaped.Labels["path"]);
        Assert.Equal("1", escaped.Labels["z_label"]);
        Assert.Equal(3.5, escaped.Value);

        Assert.Equal(2, scrape.Value("test_latency_seconds_bucket", ("le", "0.1"))); // 0.1 itself is in the le="0.1" bucket
        Assert.Equal(3, scrape.Value("test_latency_seconds_bucket", ("le", "1")));
        Assert.Equal(4, scrape.Value("test_latency_seconds_bucket", ("le", "+Inf")));
        Assert.Equal(4, scrape.Value("test_latency_seconds_count"));
        Assert.Equal(7.65, scrape.Value("test_latency_seconds_sum"), 6);
        Assert.Equal("gauge", scrape.Types["test_queue"]);
        Assert.Equal(3, scrape.Value("test_queue"));
    }

    /// <summary>Scrapes as a Prometheus on the same host does: from loopback, the only address allowed by default.</summary>
    internal static async Task<PrometheusScrape> ScrapeAsync(HttpClient client)
    {
        var response = await GetFromAsync(client, "127.0.0.1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return PrometheusScrape.Parse(await response.Content.ReadAsStringAsync());
    }

    private static Task<HttpResponseMessage> GetFromAsync(HttpClient client, string ip)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add(OutsideFactory.ClientIpHeader, ip);
        return client.SendAsync(request);
    }
}
