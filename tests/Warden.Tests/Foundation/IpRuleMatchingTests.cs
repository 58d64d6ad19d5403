using System.Net;
using Warden.Policies;
using Warden.Server.Infrastructure.Http;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Foundation;

/// <summary>How an IP rule is read and what it covers: CIDR ranges, IPv4-mapped IPv6, the allow list winning.</summary>
[SqliteOnly]
public sealed class IpRuleMatchingTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7/32")]
    [InlineData(" 203.0.113.0/24 ", "203.0.113.0/24")]
    [InlineData("2001:db8::/32", "2001:db8::/32")]
    [InlineData("2001:DB8:0:0::1", "2001:db8::1/128")]
    [InlineData("::ffff:198.51.100.7", "198.51.100.7/32")]
    [InlineData("::ffff:198.51.100.0/120", "198.51.100.0/24")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    public void AnAddressOrRangeIsReadIntoItsCanonicalForm(string text, string canonical)
    {
        Assert.True(IpNetworks.TryParse(text, out var network));
        Assert.Equal(canonical, network.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.1")] // IPAddress.Parse reads it as 10.0.0.1
    [InlineData("0x7f.0.0.1")]
    [InlineData("10.0.0.256")]
    [InlineData("10.1.2.3/8")] // host bits set: which range was meant?
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/+8")]
    [InlineData("fe80::1%eth0")]
    [InlineData("example.com")]
    public void AnythingElseIsRefused(string text) => Assert.False(IpNetworks.TryParse(text, out _));

    [Theory]
    [InlineData("198.51.100.0/24", "198.51.100.200", true)]
    [InlineData("198.51.100.0/24", "::ffff:198.51.100.200", true)]
    [InlineData("::ffff:198.51.100.0/120", "198.51.100.1", true)]
    [InlineData("198.51.100.0/24", "198.51.101.1", false)]
    [InlineData("2001:db8:bad::/48", "2001:db8:bad:ffff::1", true)]
    [InlineData("2001:db8:bad::/48", "2001:db8:bae::1", false)]
    [InlineData("0.0.0.0/0", "2001:db8::1", false)]
    public void ARangeCoversTheAddressesInIt(string range, string address, bool covered)
    {
        Assert.True(IpNetworks.TryParse(range, out var network));
        Assert.Equal(covered, IpNetworks.Contains(network, IPAddress.Parse(address)));
    }

    [Fact]
    public void TheAllowListWinsOverDenyRulesAndAutomaticBlocks()
    {
        var now = DateTimeOffset.UnixEpoch;
        var rules = new IpRuleSet([Net("198.51.100.7"), Net("203.0.113.9")], [Net("198.51.100.0/24")],
            new Dictionary<string, DateTimeOffset> { ["203.0.113.9"] = now.AddHours(1), ["203.0.113.10"] = now.AddHours(1), ["2001:db8:1:2::/64"] = now.AddHours(1) });

        Assert.Equal(IpVerdict.Allowed, rules.Decide(IPAddress.Parse("198.51.100.7"), true, now, out _));
        Assert.Equal(IpVerdict.Denied, rules.Decide(IPAddress.Parse("198.51.100.8"), false, now, out _));
        Assert.Equal(IpVerdict.Denied, rules.Decide(IPAddress.Parse("::ffff:198.51.100.8"), false, now, out _));
        Assert.Equal(IpVerdict.Allowed, rules.Decide(IPAddress.Parse("203.0.113.9"), true, now, out _));

        // An automatic block closes the credential endpoints only, for its time, to the whole IPv6 /64.
        Assert.Equal(IpVerdict.Blocked, rules.Decide(IPAddress.Parse("::ffff:203.0.113.10"), true, now, out var until));
        Assert.Equal(now.AddHours(1), until);
        Assert.Equal(IpVerdict.Allowed, rules.Decide(IPAddress.Parse("203.0.113.10"), false, now, out _));
        Assert.Equal(IpVerdict.Allowed, rules.Decide(IPAddress.Parse("203.0.113.10"), true, now.AddHours(1), out _));
        Assert.Equal(IpVerdict.Blocked, rules.Decide(IPAddress.Parse("2001:db8:1:2:aaaa::77"), true, now, out _));
        Assert.Equal(IpVerdict.Allowed, rules.Decide(IPAddress.Parse("2001:db8:1:3::77"), true, now, out _));
        Assert.Equal(IpVerdict.Allowed, rules.Decide(null, true, now, out _));
    }

    [Fact]
    public void AChangeCanBeTriedBeforeItIsMade()
    {
        var rules = new IpRuleSet([Net("203.0.113.7")], [], new Dictionary<string, DateTimeOffset>());
        var me = IPAddress.Parse("203.0.113.7");

        Assert.False(rules.With(IpRuleAction.Deny, Net("203.0.113.0/24")).Refuses(me));
        Assert.True(rules.With(IpRuleAction.Deny, Net("203.0.113.0/24")).Without(IpRuleAction.Allow, Net("203.0.113.7")).Refuses(me));
        Assert.False(rules.Refuses(me));
    }

    private static IPNetwork Net(string text) => IpNetworks.TryParse(text, out var network) ? network : throw new ArgumentException(text);
}
