using System.Net;

namespace Warden.Server.Infrastructure.Http;

/// <summary>
/// Who may read the operator endpoints (<c>/metrics</c>, <c>/openapi/v1.json</c>): the configured addresses and CIDR
/// ranges, or, when none are configured, the host itself (loopback, and a connection without an IP address: a Unix
/// socket or an in-process client). The client address is the one after trusted-proxy resolution; behind a proxy on
/// the same host, configure Warden:Network:TrustedProxies or every client looks local.
/// </summary>
public static class ClientNetworks
{
    public static bool Allows(IReadOnlyList<string> allowed, IPAddress? address)
    {
        address = address is null ? null : IpNetworks.Normalize(address);
        if (allowed.Count == 0)
        {
            return address is null || IPAddress.IsLoopback(address);
        }

        if (address is null)
        {
            return false;
        }

        foreach (var entry in allowed)
        {
            if (IPAddress.TryParse(entry, out var single) ? single.Equals(address)
                : IPNetwork.TryParse(entry, out var network) && network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
