using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Webhooks;
using Warden.Tests.Infrastructure;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Foundation;

/// <summary>
/// The one guard for every call Warden makes to an address someone configured (webhooks now): inside the network
/// is refused whatever the spelling, an IPv4 address wrapped in IPv6 is judged by the IPv4 address it reaches.
/// </summary>
[SqliteOnly]
public sealed class OutboundTargetTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("169.254.169.254")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fd12::1")]
    [InlineData("fe80::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")]          // IPv4-mapped
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::ffff:0:7f00:1")]           // IPv4-translated (SIIT, RFC 6052 §2.1 / RFC 2765)
    [InlineData("::ffff:0:a9fe:a9fe")]        // 169.254.169.254 translated
    [InlineData("::127.0.0.1")]               // IPv4-compatible
    [InlineData("::10.0.0.1")]
    [InlineData("2002:7f00:1::1")]            // 6to4 around 127.0.0.1
    [InlineData("2002:c0a8:101::1")]          // 6to4 around 192.168.1.1
    [InlineData("2001:0:4136:e378:8000:63bf:f5ff:fffe")] // Teredo, client 10.0.0.1
    [InlineData("2001:0:a00:1:8000:63bf:3fff:fdd2")]     // Teredo, server 10.0.0.1
    [InlineData("64:ff9b::7f00:1")]           // NAT64 well-known prefix around 127.0.0.1
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("64:ff9b:1::1")]              // NAT64 local-use prefix (RFC 8215): inside someone's network
    [InlineData("64:ff9b:1:ffff:ffff::1")]
    [InlineData("64:ff9b:1:7f00:0:100:5db8:d70e")] // 127.0.0.1 at the /48 position, a public address in the last bytes
    [InlineData("100::1")]                    // discard-only
    [InlineData("2001:db8::1")]               // documentation
    [InlineData("3fff::1")]                   // documentation (RFC 9637)
    [InlineData("fec0::1")]                   // deprecated site-local
    public void AddressesInsideTheNetworkAreInternal(string address) =>
        Assert.True(OutboundTargets.IsInternal(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("::ffff:93.184.215.14")]
    [InlineData("::ffff:0:5db8:d70e")]
    [InlineData("2002:5db8:d70e::1")]
    [InlineData("64:ff9b::5db8:d70e")]
    [InlineData("2606:2800:21f:cb07:6820:80da:af6b:8b2c")]
    [InlineData("2a00:1450:4001:82b::200e")]
    public void PublicAddressesAreNot(string address) =>
        Assert.False(OutboundTargets.IsInternal(IPAddress.Parse(address)), address);

    [Fact]
    public async Task ANameThatResolvesToLoopbackIsRefusedAtConnectAndRedirectsAreNeverFollowed()
    {
        await using var receiver = await HttpReceiver.StartAsync();
        var port = new Uri(receiver.Url).Port;

        await using (var closed = new WardenFactory())
        {
            var client = closed.Services.GetRequiredService<IHttpClientFactory>().CreateClient(WebhookSender.HttpClientName);
            var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://localhost:{port}/"));
            Assert.IsType<OutboundTargetRefusedException>(refused.InnerException);
            Assert.Empty(receiver.Requests);
        }

        await using var open = new WardenFactory().With("Warden:Network:AllowPrivateTargets", "true");
        receiver.Respond(302);
        var allowed = open.Services.GetRequiredService<IHttpClientFactory>().CreateClient(WebhookSender.HttpClientName);
        Assert.Equal(HttpStatusCode.Found, (await allowed.GetAsync($"http://localhost:{port}/")).StatusCode);
        Assert.Single(receiver.Requests);
    }
}
