using System.Net;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Observability;

/// <summary>Settings under <c>Warden:Metrics</c>.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Warden:Metrics";

    /// <summary>Serve <c>GET /metrics</c>. Off: the path answers 404 and no measurements are collected.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Client addresses or CIDR ranges allowed to scrape (after trusted-proxy resolution). Empty: anyone, as the
    /// numbers hold no personal data; restrict it when the endpoint is reachable from the internet.
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>The gauges that count rows (active sessions, outbox backlog) query the database at most this often.</summary>
    public TimeSpan GaugeRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    internal bool Allows(IPAddress? address)
    {
        if (AllowedNetworks.Count == 0)
        {
            return true;
        }

        if (address is null)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var entry in AllowedNetworks)
        {
            if (IPAddress.TryParse(entry, out var single) ? single.Equals(address)
                : System.Net.IPNetwork.TryParse(entry, out var network) && network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
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
