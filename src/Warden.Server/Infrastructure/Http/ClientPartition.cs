using System.Net;
using System.Net.Sockets;

namespace Warden.Server.Infrastructure.Http;

/// <summary>
/// The key under which a client address is counted by a rate limit or throttle: the one place that decides what
/// "one client" is. An IPv4 address is one client. An IPv6 client is its /64: a home or a server is normally given a
/// whole /64 (2^64 addresses) and may use any of them, so keyed by the full address it would get a fresh bucket per
/// request. An IPv4-mapped IPv6 address (a dual-stack socket) counts as the IPv4 address it is.
/// </summary>
public static class ClientPartition
{
    public static string Key(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        address = IpNetworks.Normalize(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    public static string Key(HttpContext http) => Key(http.Connection.RemoteIpAddress);
}
