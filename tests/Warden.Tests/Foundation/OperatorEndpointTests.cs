using System.Net;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Foundation;

/// <summary>
/// /metrics and the OpenAPI document describe the installation (traffic, failures, every endpoint): by default only
/// the host itself may read them; other networks are opened by configuration.
/// </summary>
public sealed class OperatorEndpointTests
{
    private static readonly string[] OperatorPaths = ["/metrics", "/openapi/v1.json"];

    [Fact]
    public async Task ByDefaultOnlyLoopbackReadsMetricsAndTheApiDocument()
    {
        await using var factory = new OutsideFactory();
        var client = factory.CreateClient();
        foreach (var path in OperatorPaths)
        {
            await (await GetFromAsync(client, path, OutsideFactory.DefaultClientIp)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
            Assert.Equal(HttpStatusCode.NotFound, (await GetFromAsync(client, path, "2001:db8:1::1")).StatusCode);
            foreach (var local in new[] { "127.0.0.1", "127.0.0.9", "::1", "::ffff:127.0.0.1" })
            {
                Assert.True(HttpStatusCode.OK == (await GetFromAsync(client, path, local)).StatusCode, $"{path} from {local}");
            }
        }
    }

    [Fact]
    public async Task OtherNetworksAreAllowedByConfiguration()
    {
        await using var factory = new OutsideFactory();
        factory.With("Warden:Metrics:AllowedNetworks:0", "203.0.113.0/24").With("Warden:OpenApi:AllowedNetworks:0", "2001:db8:1::/48");
        var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await GetFromAsync(client, "/metrics", OutsideFactory.DefaultClientIp)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GetFromAsync(client, "/metrics", "2001:db8:1::1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetFromAsync(client, "/openapi/v1.json", "2001:db8:1::1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GetFromAsync(client, "/openapi/v1.json", OutsideFactory.DefaultClientIp)).StatusCode);
        // Naming a network replaces the default: loopback is then allowed only if listed.
        Assert.Equal(HttpStatusCode.NotFound, (await GetFromAsync(client, "/openapi/v1.json", "127.0.0.1")).StatusCode);
    }

    private static Task<HttpResponseMessage> GetFromAsync(HttpClient client, string path, string ip)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(OutsideFactory.ClientIpHeader, ip);
        return client.SendAsync(request);
    }
}
