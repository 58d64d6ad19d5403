using System.Net;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Observability;

/// <summary>
/// Traces leave over OTLP/HTTP to whatever collector is configured: here a local receiver on 127.0.0.1 stands in
/// for it. The protobuf body is not decoded: span names, attribute values and the resource's service name are
/// plain UTF-8 strings inside it, which is enough to know which spans arrived.
/// Runs once, on PostgreSQL: the one pass where the database commands (Npgsql's spans) are traced too.
/// </summary>
[PostgresOnly]
public sealed class TracingTests
{
    [Fact]
    public async Task RequestSpansReachTheConfiguredOtlpEndpoint()
    {
        await using var collector = await HttpReceiver.StartAsync();
        var factory = new WardenFactory()
            .With("Warden:Telemetry:OtlpEndpoint", collector.Url)
            .With("Warden:Telemetry:ServiceName", "warden-under-test");
        try
        {
            var client = factory.CreateClient();
            await client.LoginAsync(WardenFactory.AdminEmail, WardenFactory.AdminPassword);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        }
        finally
        {
            // Stopping the host flushes the batch of spans not yet sent.
            await factory.DisposeAsync();
        }

        var posts = collector.Requests.Where(r => r.Method == "POST").ToList();
        Assert.NotEmpty(posts);
        Assert.All(posts, r => Assert.Equal("/v1/traces", r.Path));
        Assert.All(posts, r => Assert.StartsWith("application/x-protobuf", r.Headers["Content-Type"], StringComparison.Ordinal));
        var bodies = string.Concat(posts.Select(r => r.Body));
        Assert.Contains("warden-under-test", bodies, StringComparison.Ordinal);
        Assert.Contains("POST /api/v1/auth/login", bodies, StringComparison.Ordinal);
        Assert.Contains("Microsoft.AspNetCore", bodies, StringComparison.Ordinal);
        // Probes every few seconds would drown the requests worth reading.
        Assert.DoesNotContain("/health/live", bodies, StringComparison.Ordinal);
        Assert.Contains("Npgsql", bodies, StringComparison.Ordinal); // the commands behind the sign-in
    }
}
