using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Foundation;

public sealed class HealthTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task LivenessAnswersOk()
    {
        var response = await factory.CreateClient().GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ReadinessAnswersOkOnceTheDatabaseIsMigrated()
    {
        var body = await (await factory.CreateClient().GetAsync("/health/ready")).ReadJsonAsync();
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal("ok", body.GetProperty("checks").GetProperty("database").GetString());
    }

    [Fact]
    public void NoTracerIsRegisteredWithoutAnOtlpEndpoint() =>
        // Traces are off unless Warden:Telemetry:OtlpEndpoint (or OTEL_EXPORTER_OTLP_ENDPOINT) names a collector.
        Assert.Null(factory.Services.GetService<OpenTelemetry.Trace.TracerProvider>());

    [Fact]
    public async Task OpenApiDocumentDescribesTheHealthEndpoints()
    {
        var body = await (await factory.CreateClient().GetAsync("/openapi/v1.json")).ReadJsonAsync();
        var paths = body.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/health/live", out _));
        Assert.True(paths.TryGetProperty("/health/ready", out _));
    }
}

public sealed class ReadinessWithoutMigrationsTests : IDisposable
{
    private readonly WardenFactory _factory = WardenFactory.OnEmptyDatabase().With("Warden:Database:MigrateOnStart", "false");

    [Fact]
    public async Task ReadinessFailsWhileMigrationsArePendingAndRecoversAfterMigrate()
    {
        var client = _factory.CreateClient();
        var response = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.ReadJsonAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("migrations pending", body.GetProperty("checks").GetProperty("database").GetString());
        // "Not ready" holds the background jobs' first rounds back; "ready" lets them run.
        var firstRounds = _factory.Services.GetRequiredService<FirstRoundsGate>();
        Assert.False(firstRounds.IsOpen);

        var initializer = _factory.Services.GetRequiredService<DatabaseInitializer>();
        await initializer.MigrateAsync();
        await initializer.SeedAsync();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        Assert.True(firstRounds.IsOpen);
    }

    public void Dispose() => _factory.Dispose();
}
