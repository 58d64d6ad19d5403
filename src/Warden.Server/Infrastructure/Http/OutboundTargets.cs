using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Warden.Server.Infrastructure.Http;

/// <summary>
/// The one guard for every call Warden makes to an address someone configured (webhook receivers now; identity
/// providers and import sources later): which addresses may be reached. Without <see cref="NetworkOptions.AllowPrivateTargets"/> nothing inside
/// the network is: loopback, private, carrier-grade NAT, link-local (cloud metadata at 169.254.169.254),
/// unique-local, multicast, reserved and unspecified ranges, also when wrapped in IPv6 (mapped, NAT64, 6to4).
/// </summary>
public static class OutboundTargets
{
    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return IsInternal(address.MapToIPv4());
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return IsInternalV4(address.GetAddressBytes());
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return true; // nothing else is a web server's address
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.IPv6Any) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal
            || address.IsIPv6Multicast || address.IsIPv6UniqueLocal)
        {
            return true;
        }

        var b = address.GetAddressBytes();
        // ::a.b.c.d (IPv4-compatible, deprecated) and ::/96 in general.
        if (b.Take(12).All(x => x == 0))
        {
            return true;
        }

        // 64:ff9b::/96 NAT64 and 64:ff9b:1::/48 reach the embedded IPv4 address.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)
        {
            return IsInternalV4(b[12..16]);
        }

        // 2002::/16 6to4 embeds the IPv4 address in bytes 2..5.
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsInternalV4(b[2..6]);
        }

        // 2001:0000::/32 Teredo and 2001:db8::/32 documentation.
        return (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00)
               || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8);
    }

    private static bool IsInternalV4(byte[] b) => b[0] switch
    {
        0 or 10 or 127 => true,                               // "this network", private, loopback
        100 => b[1] is >= 64 and <= 127,                      // carrier-grade NAT
        169 => b[1] == 254,                                   // link-local, cloud metadata
        172 => b[1] is >= 16 and <= 31,                       // private
        192 => (b[1] == 168) || (b[1] == 0 && b[2] is 0 or 2) || (b[1] == 88 && b[2] == 99), // private, IETF, TEST-NET-1, 6to4 relay
        198 => b[1] is 18 or 19 || (b[1] == 51 && b[2] == 100), // benchmarking, TEST-NET-2
        203 => b[1] == 0 && b[2] == 113,                      // TEST-NET-3
        >= 224 => true,                                       // multicast, reserved, broadcast
        _ => false,
    };

    /// <summary>
    /// The check when an address is configured (a webhook created): a literal address or a name that resolves
    /// inside the network is refused. A name that does not resolve now is accepted: the check at every connection
    /// (after resolution, <see cref="ConnectAsync"/>) is the one that counts.
    /// </summary>
    public static async Task<bool> IsInternalAsync(Uri url, CancellationToken cancellationToken)
    {
        var host = url.IdnHost.Trim('[', ']');
        if (IPAddress.TryParse(host, out var literal))
        {
            return IsInternal(literal);
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var addresses = await Dns.GetHostAddressesAsync(host, timeout.Token);
            return addresses.Any(IsInternal);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// Connects only to addresses the policy allows, resolving the name itself: the address checked is the
    /// address connected to, so a name that changes its answer between check and use (DNS rebinding) gains nothing.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, bool allowInternal, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = allowInternal ? addresses : addresses.Where(a => !IsInternal(a)).ToArray();
        if (allowed.Length == 0)
        {
            throw new OutboundTargetRefusedException(
                $"{host} resolves only to loopback, private, link-local or reserved addresses, which Warden does not connect to ({NetworkOptions.Section}:AllowPrivateTargets).");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

public sealed class OutboundTargetRefusedException(string message) : Exception(message);

public static class OutboundHttpSetup
{
    /// <summary>
    /// A named client for calls to addresses someone configured. No proxy (it would connect for us, past the address
    /// check), no redirects (a 3xx could point anywhere, inside the network too), no cookies, and the address check
    /// at connect time, on the address actually connected to.
    /// </summary>
    public static IHttpClientBuilder AddOutboundHttpClient(this IServiceCollection services, string name, Func<IServiceProvider, TimeSpan> connectTimeout) =>
        services.AddHttpClient(name, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var network = sp.GetRequiredService<IOptions<NetworkOptions>>().Value;
                return new SocketsHttpHandler
                {
                    UseProxy = false,
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    ConnectTimeout = connectTimeout(sp),
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    ConnectCallback = (context, cancellationToken) =>
                        OutboundTargets.ConnectAsync(context, network.AllowPrivateTargets, cancellationToken),
                };
            });
}
