using System.Net;

namespace Warden.Server.Infrastructure.Http;

public enum IpVerdict
{
    Allowed,

    /// <summary>A deny rule covers the address: refused everywhere.</summary>
    Denied,

    /// <summary>An automatic block covers the client: refused on the credential endpoints only.</summary>
    Blocked,
}

/// <summary>
/// One immutable snapshot of every IP rule: the configured and stored allow and deny ranges and the automatic
/// blocks in force. The allow list wins over both, so a trusted network is never locked out by a broad deny rule or
/// by failures a neighbour behind the same address caused.
/// </summary>
public sealed class IpRuleSet(IReadOnlyList<IPNetwork> allow, IReadOnlyList<IPNetwork> deny, IReadOnlyDictionary<string, DateTimeOffset> blocks)
{
    public static readonly IpRuleSet Empty = new([], [], new Dictionary<string, DateTimeOffset>());

    public IReadOnlyList<IPNetwork> Allow { get; } = allow;
    public IReadOnlyList<IPNetwork> Deny { get; } = deny;

    /// <summary>Blocked clients by <see cref="ClientPartition"/> key, with the end of each block.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> Blocks { get; } = blocks;

    /// <summary>The verdict for a client; <paramref name="blockedUntil"/> is set when it is <see cref="IpVerdict.Blocked"/>.</summary>
    public IpVerdict Decide(IPAddress? address, bool credentialEndpoint, DateTimeOffset now, out DateTimeOffset blockedUntil)
    {
        blockedUntil = default;
        if (address is null)
        {
            return IpVerdict.Allowed; // an in-process client or a Unix socket: no address to judge
        }

        address = IpNetworks.Normalize(address);
        if (Covers(Allow, address))
        {
            return IpVerdict.Allowed;
        }

        if (Covers(Deny, address))
        {
            return IpVerdict.Denied;
        }

        if (credentialEndpoint && Blocks.Count > 0 && Blocks.TryGetValue(ClientPartition.Key(address), out var until) && until > now)
        {
            blockedUntil = until;
            return IpVerdict.Blocked;
        }

        return IpVerdict.Allowed;
    }

    /// <summary>Whether the address is allowed (an automatic block is never counted or made for it).</summary>
    public bool IsAllowListed(IPAddress? address) => address is not null && Covers(Allow, IpNetworks.Normalize(address));

    /// <summary>Whether every request from the address is refused (not only the credential endpoints).</summary>
    public bool Refuses(IPAddress? address) => Decide(address, credentialEndpoint: false, DateTimeOffset.MinValue, out _) == IpVerdict.Denied;

    /// <summary>This set with one more rule: what a change would do, before it is made.</summary>
    public IpRuleSet With(IpRuleAction action, IPNetwork network) => action == IpRuleAction.Allow
        ? new IpRuleSet([.. Allow, network], Deny, Blocks)
        : new IpRuleSet(Allow, [.. Deny, network], Blocks);

    /// <summary>This set with one rule fewer (one occurrence: the same range may also be configured).</summary>
    public IpRuleSet Without(IpRuleAction action, IPNetwork network) => action == IpRuleAction.Allow
        ? new IpRuleSet(RemoveOne(Allow, network), Deny, Blocks)
        : new IpRuleSet(Allow, RemoveOne(Deny, network), Blocks);

    private static bool Covers(IReadOnlyList<IPNetwork> ranges, IPAddress address)
    {
        foreach (var range in ranges)
        {
            if (range.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private static List<IPNetwork> RemoveOne(IReadOnlyList<IPNetwork> ranges, IPNetwork network)
    {
        var list = ranges.ToList();
        list.Remove(network);
        return list;
    }
}
