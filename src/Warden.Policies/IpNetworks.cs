using System.Net;
using System.Net.Sockets;

namespace Warden.Policies;

/// <summary>
/// How an address or CIDR range written by a person (access rules, IP allow and deny lists in configuration, the
/// administrators' API, the command line) is read, and how a client address is matched against it: one way for
/// every rule about addresses, in Warden and in the services that evaluate its access rules. An IPv4-mapped IPv6 address
/// (<c>::ffff:a.b.c.d</c>, what a dual-stack socket reports) is the IPv4 address it carries, in a rule and in a
/// request alike, so neither form slips past a rule written in the other. Only the plain forms are accepted: the
/// parser of <see cref="IPAddress"/> also reads <c>10.1</c> as 10.0.0.1 and <c>0x7f.1</c> as 127.0.0.1, which no
/// one means in a deny list.
/// </summary>
public static class IpNetworks
{
    /// <summary>The longest text read as an address or range.</summary>
    public const int MaxLength = 64;

    /// <summary>The address as rules see it: an IPv4-mapped IPv6 address is the IPv4 address it carries.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>An address (a single-address range) or a CIDR range whose host bits are zero; canonical on success.</summary>
    public static bool TryParse(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxLength)
        {
            return false;
        }

        text = text.Trim();
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressPart = slash < 0 ? text : text[..slash];
        if (!IsPlainAddress(addressPart))
        {
            return false;
        }

        if (slash < 0)
        {
            var address = Normalize(IPAddress.Parse(addressPart));
            network = new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        var prefix = text[(slash + 1)..];
        // IPNetwork.TryParse clears host bits silently: 10.1.2.3/8 would deny 10.0.0.0/8 where a typo was likelier.
        if (prefix.Length is 0 or > 3 || !prefix.All(char.IsAsciiDigit) || !IPNetwork.TryParse(text, out var parsed)
            || !parsed.BaseAddress.Equals(IPAddress.Parse(addressPart)))
        {
            return false;
        }

        network = parsed.BaseAddress.IsIPv4MappedToIPv6 && parsed.PrefixLength >= 96
            ? new IPNetwork(parsed.BaseAddress.MapToIPv4(), parsed.PrefixLength - 96)
            : parsed;
        return true;
    }

    /// <summary>Whether <paramref name="network"/> holds the client address, read as <see cref="Normalize"/> does.</summary>
    public static bool Contains(IPNetwork network, IPAddress address) => network.Contains(Normalize(address));

    /// <summary>Every address of its family (<c>0.0.0.0/0</c>, <c>::/0</c>, or <c>::ffff:0:0/96</c>, every IPv4 address).</summary>
    public static bool IsEverything(IPNetwork network) => network.PrefixLength == 0;

    private static bool IsPlainAddress(string text)
    {
        if (text.Contains(':', StringComparison.Ordinal))
        {
            // IPv6, without a zone (%eth0): a zone names an interface of this host, not a client.
            return !text.Contains('%', StringComparison.Ordinal) && IPAddress.TryParse(text, out var v6)
                && v6.AddressFamily == AddressFamily.InterNetworkV6;
        }

        var parts = text.Split('.');
        return parts.Length == 4
            && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit) && int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) <= 255)
            && IPAddress.TryParse(text, out _);
    }
}
