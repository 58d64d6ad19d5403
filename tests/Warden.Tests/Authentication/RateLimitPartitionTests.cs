using System.Net;
using System.Net.Http.Json;
using Warden.Server.Infrastructure.Http;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authentication;

/// <summary>
/// A client holds one IPv4 address but a whole IPv6 /64 (2^64 addresses): limits keyed by the full IPv6 address
/// give such a client as many buckets as it likes. Every limit keyed by an address uses <see cref="ClientPartition"/>.
/// </summary>
public sealed class RateLimitPartitionTests
{
    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:8000::1")]
    [InlineData("203.0.113.7", "::ffff:203.0.113.7")]
    public void AddressesOfOneClientShareAPartition(string one, string other) =>
        Assert.Equal(ClientPartition.Key(IPAddress.Parse(one)), ClientPartition.Key(IPAddress.Parse(other)));

    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1")]
    [InlineData("203.0.113.7", "203.0.113.8")]
    [InlineData("::ffff:203.0.113.7", "2001:db8::cb00:7107")]
    public void DifferentClientsHaveDifferentPartitions(string one, string other) =>
        Assert.NotEqual(ClientPartition.Key(IPAddress.Parse(one)), ClientPartition.Key(IPAddress.Parse(other)));

    [Fact]
    public async Task AClientCannotEscapeTheAuthenticationLimitByCyclingAddressesOfItsIpv6Subnet()
    {
        await using var factory = new OutsideFactory();
        factory.With("Warden:RateLimits:AuthPerIpPerMinute", "3");
        var client = factory.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var host = 1; host <= 4; host++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/login")
            {
                Content = JsonContent.Create(new { email = "someone@example.com", password = "Wrong-Password-1!" }),
            };
            request.Headers.Add(OutsideFactory.ClientIpHeader, $"2001:db8:42:7:{host:x}::{host:x}");
            statuses.Add((await client.SendAsync(request)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);

        // Another subnet is another client.
        using var other = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/login")
        {
            Content = JsonContent.Create(new { email = "someone.else@example.com", password = "Wrong-Password-1!" }),
        };
        other.Headers.Add(OutsideFactory.ClientIpHeader, "2001:db8:42:8::1");
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await client.SendAsync(other)).StatusCode);
    }
}
