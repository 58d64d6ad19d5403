using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Observability;

/// <summary>How traces are sent over OTLP.</summary>
public enum OtlpProtocol
{
    /// <summary>OTLP/HTTP with protobuf bodies (port 4318 by convention); <c>/v1/traces</c> is appended to the endpoint.</summary>
    HttpProtobuf,

    /// <summary>OTLP/gRPC (port 4317 by convention); the endpoint is used as it is.</summary>
    Grpc,
}

/// <summary>
/// Settings under <c>Warden:Telemetry</c>. Traces are off unless an endpoint is configured: this key, or the
/// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable when this key is unset (the same base URL either way).
/// </summary>
public sealed class TracingOptions
{
    public const string Section = "Warden:Telemetry";

    /// <summary>The collector's base URL (<c>http://collector:4318</c>); unset: no traces are recorded or sent.</summary>
    public string? OtlpEndpoint { get; set; }

    public OtlpProtocol OtlpProtocol { get; set; } = OtlpProtocol.HttpProtobuf;

    /// <summary>The <c>service.name</c> resource attribute: one name for every node (each has its own instance id).</summary>
    public string ServiceName { get; set; } = "warden";

    /// <summary>The share of traces started here that are recorded (a caller's sampling decision is followed).</summary>
    public double SamplingRatio { get; set; } = 1.0;

    /// <summary>The endpoint in force, from this section or the standard variable; null when traces are off.</summary>
    internal static string? EndpointFrom(IConfiguration configuration) =>
        NonEmpty(configuration[$"{Section}:{nameof(OtlpEndpoint)}"]) ?? NonEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    /// <summary>Where spans are posted: the base URL plus <c>/v1/traces</c> for OTLP/HTTP, as the standard variable means it.</summary>
    internal static Uri TracesUri(Uri endpoint, OtlpProtocol protocol) =>
        protocol == OtlpProtocol.Grpc ? endpoint : new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/v1/traces");

    internal static bool TryParseEndpoint(string? value, [NotNullWhen(true)] out Uri? endpoint)
    {
        endpoint = Uri.TryCreate(value, UriKind.Absolute, out var parsed)
            && (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps)
            && string.IsNullOrEmpty(parsed.Query) && string.IsNullOrEmpty(parsed.Fragment)
                ? parsed
                : null;
        return endpoint is not null;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

internal sealed class TracingOptionsValidator(IConfiguration configuration) : IValidateOptions<TracingOptions>
{
    public ValidateOptionsResult Validate(string? name, TracingOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        var key = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? "OTEL_EXPORTER_OTLP_ENDPOINT" : $"{TracingOptions.Section}:OtlpEndpoint";
        var endpoint = TracingOptions.EndpointFrom(configuration);
        errors.AddErrorIf(endpoint is not null && !TracingOptions.TryParseEndpoint(endpoint, out _),
            $"{key} must be an absolute http or https URL without query, such as http://collector:4318 (got '{endpoint}').");
        errors.AddErrorIf(string.IsNullOrWhiteSpace(options.ServiceName), $"{TracingOptions.Section}:ServiceName must not be empty.");
        errors.AddErrorIf(!(options.SamplingRatio is >= 0 and <= 1),
            $"{TracingOptions.Section}:SamplingRatio must be between 0 and 1 (got {options.SamplingRatio}).");
        return errors.Build();
    }
}
