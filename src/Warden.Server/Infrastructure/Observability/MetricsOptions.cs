using System.Net;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Infrastructure.Http;

namespace Warden.Server.Infrastructure.Observability;

/// <summary>Settings under <c>Warden:Metrics</c>.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Warden:Metrics";

    /// <summary>Serve <c>GET /metrics</c>. Off: the path answers 404 and no measurements are collected.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Client addresses or CIDR ranges allowed to scrape (after trusted-proxy resolution). Empty: the host itself only
    /// (<see cref="ClientNetworks"/>): the numbers hold no personal data but tell an attacker how the service fares.
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>The gauges that count rows (active sessions, outbox backlog) query the database at most this often.</summary>
    public TimeSpan GaugeRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    internal bool Allows(IPAddress? address) => ClientNetworks.Allows(AllowedNetworks, address);
}

internal sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddressesOrRanges("Warden:Metrics:AllowedNetworks", options.AllowedNetworks);
        errors.NotNegative("Warden:Metrics:GaugeRefreshInterval", options.GaugeRefreshInterval);
        return errors.Build();
    }
}
