using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Warden.Server.Infrastructure.Http;

/// <summary>
/// The one guard for every call Warden makes to an address someone configured (webhook receivers, identity
/// providers, import sources: register their client with <see cref="OutboundHttpSetup.AddOutboundHttpClient"/>).
/// Unless <see cref="NetworkOptions.AllowPrivateTargets"/> is on, nothing inside the network is reached: loopback,
/// private, carrier-grade NAT, link-local (cloud metadata at 169.254.169.254), unique-local, multicast, reserved and
/// unspecified ranges, also when an IPv6 address wraps one of them (mapped, translated, NAT64, 6to4, Teredo).
/// </summary>
public static class OutboundTargets
{
    /// <summary>
    /// True for every address that is not a public unicast address on the internet. An IPv6 address that carries an
    /// IPv4 address (mapped, translated, compatible, NAT64, 6to4, Teredo) is judged by the IPv4 address it reaches:
    /// however it is spelled, 127.0.0.1 is 127.0.0.1.
    /// </summary>
    public static bool IsInternal(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return IsInternalV4(address.GetAddressBytes());
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return true; // nothing else is a web server's address
        }

        var b = address.GetAddressBytes();
        if (b.AsSpan(0, 10).IndexOfAnyExcept((byte)0) < 0)
        {
            // ::ffff:0:0/96 IPv4-mapped is the IPv4 address. The rest of ::/80 is unspecified, loopback, or
            // IPv4-compatible (::a.b.c.d, deprecated by RFC 4291 and routed nowhere): internal whatever it embeds.
            return b[10] != 0xff || b[11] != 0xff || IsInternalV4(b[12..16]);
        }

        // ::ffff:0:0:0/96 IPv4-translated (SIIT, RFC 2765 / RFC 6145).
        if (b.AsSpan(0, 8).IndexOfAnyExcept((byte)0) < 0 && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0)
        {
            return IsInternalV4(b[12..16]);
        }

        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)
        {
            // 64:ff9b::/96, the well-known NAT64 prefix, reaches the IPv4 address in the last four bytes. Everything
            // else under 64:ff9b::/32, including the local-use 64:ff9b:1::/48 (RFC 8215), is some network's own
            // translator, with the IPv4 address at a position only that network knows: internal.
            return b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) >= 0 || IsInternalV4(b[12..16]);
        }

        // Only global unicast (2000::/3) is on the internet; that excludes loopback, link-local, unique-local,
        // site-local, multicast, discard-only (100::/64) and the rest of the unassigned space.
        if ((b[0] & 0xe0) != 0x20)
        {
            return true;
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsInternalV4(b[2..6]); // 2002::/16 6to4 embeds the IPv4 address in bytes 2..5
        }

        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00)
        {
            // 2001::/32 Teredo: the server's IPv4 address in bytes 4..7, the client's (inverted) in bytes 12..15.
            byte[] client = [(byte)~b[12], (byte)~b[13], (byte)~b[14], (byte)~b[15]];
            return IsInternalV4(b[4..8]) || IsInternalV4(client);
        }

        return (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02)                       // 2001::/23 IETF protocol assignments (beyond Teredo)
               || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)   // 2001:db8::/32 documentation
               || (b[0] == 0x3f && b[1] == 0xff && b[2] < 0x10);                   // 3fff::/20 documentation (RFC 9637)
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
            .ConfigurePrimaryHttpMessageHandler(sp => CreateHandler(sp.GetRequiredService<IOptions<NetworkOptions>>().Value, connectTimeout(sp)));

    /// <summary>The guarded handler itself, for clients a library names and builds (OpenIddict's: Oidc/External).</summary>
    public static SocketsHttpHandler CreateHandler(NetworkOptions network, TimeSpan connectTimeout) => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectTimeout = connectTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = (context, cancellationToken) =>
            OutboundTargets.ConnectAsync(context, network.AllowPrivateTargets, cancellationToken),
    };
}
