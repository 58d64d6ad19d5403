using System.Runtime.CompilerServices;
using Npgsql;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Observability;

/// <summary>
/// OpenTelemetry traces: incoming requests (ASP.NET Core), outgoing calls (HttpClient: webhooks, the SMS gateway,
/// OIDC back-channels) and PostgreSQL commands (Npgsql), sent over OTLP. Nothing is registered without an endpoint,
/// so a node without a collector creates no spans at all. Metrics stay with Warden's own exporter at <c>/metrics</c>.
/// </summary>
public static class TracingSetup
{
    public static IServiceCollection AddWardenTracing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<TracingOptions, TracingOptionsValidator>(configuration, TracingOptions.Section);
        // A bad value registers nothing here; the validator stops the start naming the key.
        if (!TracingOptions.TryParseEndpoint(TracingOptions.EndpointFrom(configuration), out var endpoint))
        {
            return services;
        }

        return services.AddOtlpTracing(configuration, endpoint);
    }

    /// <summary>
    /// Apart from <see cref="AddWardenTracing"/> so that a node without an endpoint never loads the OpenTelemetry
    /// assemblies: the JIT loads every assembly a method names when it compiles the method, taken branch or not.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // nor inlined, not even by ReadyToRun
    private static IServiceCollection AddOtlpTracing(this IServiceCollection services, IConfiguration configuration, Uri endpoint)
    {
        var settings = configuration.GetSection(TracingOptions.Section).Get<TracingOptions>() ?? new TracingOptions();
        var ratio = settings.SamplingRatio is >= 0 and <= 1 ? settings.SamplingRatio : 1.0;
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                string.IsNullOrWhiteSpace(settings.ServiceName) ? "warden" : settings.ServiceName,
                serviceVersion: typeof(TracingSetup).Assembly.GetName().Version?.ToString()))
            .WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio)))
                .AddAspNetCoreInstrumentation(o =>
                {
                    // Probes and scrapes every few seconds would drown the requests worth reading.
                    o.Filter = context => !context.Request.Path.StartsWithSegments("/health")
                        && !context.Request.Path.StartsWithSegments("/metrics");
                })
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddOtlpExporter(o =>
                {
                    o.Protocol = settings.OtlpProtocol == OtlpProtocol.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                    o.Endpoint = TracingOptions.TracesUri(endpoint, settings.OtlpProtocol);
                }));
        return services;
    }
}
