using System.Net;
using System.Text;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Warden.Tests.Infrastructure;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Foundation;

[SqliteOnly]
public sealed class HttpConventionsTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task UnknownRouteAnswersProblemDetails()
    {
        var response = await factory.CreateClient().GetAsync("/api/v1/does-not-exist");
        await response.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task WrongMethodAnswersProblemDetails()
    {
        var response = await factory.CreateClient().DeleteAsync("/health/live");
        await response.AssertProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    public static TheoryData<string, string, string> HostileBodies => new()
    {
        { "malformed json", "application/json", "{\"email\": \"a@b.c\", " },
        { "wrong types", "application/json", "{\"email\": 12, \"password\": [true], \"rememberMe\": \"yes\", \"code\": {}}" },
        { "not an object", "application/json", "[1,2,3]" },
        { "null", "application/json", "null" },
        { "deep nesting", "application/json", new string('[', 5000) + new string(']', 5000) },
        { "wrong content type", "text/plain", "email=a@b.c" },
        { "form", "application/x-www-form-urlencoded", "email=a%40b.c&password=x" },
        { "binary", "application/octet-stream", "\u0000\u0001\u0002\u00ff" },
        { "hostile strings", "application/json", "{\"email\":\"' OR 1=1 --\",\"password\":\"<script>alert(1)</script>\",\"token\":\"../../etc/passwd\",\"name\":\"\\u0000\\ud800\"}" },
    };

    /// <summary>
    /// Every endpoint the server maps, now and as modules are added, is sent hostile input: none may answer
    /// 500, and every error must be problem details without internals.
    /// </summary>
    [Theory]
    [MemberData(nameof(HostileBodies))]
    public async Task EveryEndpointAnswersHostileBodiesWithProblemDetails(string name, string contentType, string body)
    {
        var client = factory.CreateClient();
        foreach (var (method, path) in Endpoints())
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path)
            {
                Content = new StringContent(body, Encoding.UTF8, contentType),
            };
            var response = await client.SendAsync(request);
            await AssertSafeAsync(response, $"{name}: {method} {path}");
        }
    }

    [Fact]
    public async Task EveryEndpointRefusesAnOversizedBody()
    {
        var client = factory.CreateClient();
        var huge = "{\"email\":\"" + new string('a', 3 * 1024 * 1024) + "\"}";
        foreach (var (method, path) in Endpoints().Where(e => e.Method is "POST" or "PUT" or "PATCH"))
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path)
            {
                Content = new StringContent(huge, Encoding.UTF8, "application/json"),
            };
            var response = await client.SendAsync(request);
            Assert.True(response.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.Unauthorized or HttpStatusCode.NotFound,
                $"{method} {path} answered {(int)response.StatusCode} to a 3 MiB body");
            await AssertSafeAsync(response, $"oversized: {method} {path}");
        }
    }

    [Fact]
    public async Task HostileIdentifiersInRoutesNeverCauseServerErrors()
    {
        var client = factory.CreateClient();
        string[] hostile = ["..%2F..%2Fetc%2Fpasswd", "' OR '1'='1", "00000000-0000-0000-0000-000000000000", new string('9', 500), "%F0%9F%92%A9"];
        foreach (var (method, template) in Endpoints(raw: true))
        {
            foreach (var value in hostile)
            {
                var path = System.Text.RegularExpressions.Regex.Replace(template, "{[^}]+}", value);
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                var response = await client.SendAsync(request);
                await AssertSafeAsync(response, $"{method} {path}");
            }
        }
    }

    private static async Task AssertSafeAsync(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode < 500 || response.StatusCode == HttpStatusCode.ServiceUnavailable,
            $"{what} answered {(int)response.StatusCode}: {text}");
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        // The account pages (docs/pages.md) and the admin console (docs/console.md) answer people with an HTML page, except
        // where the request never reached them (the body limit answers before routing); everything else answers programs.
        var page = response.RequestMessage?.RequestUri?.AbsolutePath is { } requested
                   && (requested.StartsWith("/account", StringComparison.Ordinal) || requested.StartsWith("/admin", StringComparison.Ordinal));
        // The OpenID Connect endpoints (docs/oidc.md) answer OAuth 2.0 errors (RFC 6749), as their clients expect; so does
        // the device page, OpenIddict's end-user verification endpoint, to a request it refuses (plain http to an https issuer).
        var protocol = response.RequestMessage?.RequestUri?.AbsolutePath is { } endpoint
                       && (endpoint.StartsWith("/connect/", StringComparison.Ordinal) || endpoint == "/account/device");
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if ((int)response.StatusCode >= 400 && text.Length > 0)
        {
            Assert.True(mediaType == "application/problem+json" || (page && mediaType == "text/html")
                || (protocol && mediaType is "application/json" or "text/plain" && text.Contains("error", StringComparison.Ordinal)),
                $"{what} answered {(int)response.StatusCode} without problem details: {text}");
        }
    }

    private List<(string Method, string Path)> Endpoints(bool raw = false)
    {
        var sources = factory.Services.GetRequiredService<EndpointDataSource>();
        var list = new List<(string, string)>();
        foreach (var endpoint in sources.Endpoints.OfType<RouteEndpoint>())
        {
            var template = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var path = raw ? template : System.Text.RegularExpressions.Regex.Replace(template, "{[^}]+}", Guid.NewGuid().ToString());
            list.AddRange(methods.Select(m => (m, path)));
        }

        Assert.NotEmpty(list);
        return list;
    }
}

[SqliteOnly]
public sealed class RequestBodyLimitTests : IDisposable
{
    private readonly WardenFactory _factory = new WardenFactory().With("Warden:Network:MaxRequestBodyBytes", "2048");

    [Fact]
    public async Task BodyOverTheConfiguredLimitIsRefusedWith413()
    {
        var response = await _factory.CreateClient().PostAsync("/api/v1/anything",
            new StringContent(new string('x', 4096), Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    public void Dispose() => _factory.Dispose();
}

[SqliteOnly]
public sealed class CorsTests : IDisposable
{
    private readonly WardenFactory _factory = new WardenFactory().With("Warden:Network:CorsAllowedOrigins:0", "https://app.example.com");

    [Fact]
    public async Task PreflightFromAConfiguredOriginIsAllowed()
    {
        var response = await Preflight("https://app.example.com");
        Assert.Equal("https://app.example.com", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task PreflightFromAnyOtherOriginGetsNoCorsHeaders()
    {
        var response = await Preflight("https://evil.example.net");
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private async Task<HttpResponseMessage> Preflight(string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/health/live");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "GET");
        return await _factory.CreateClient().SendAsync(request);
    }

    public void Dispose() => _factory.Dispose();
}
