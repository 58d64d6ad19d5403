using System.Net;
using System.Net.Http.Json;
using Warden.Tests.Infrastructure;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Foundation;

/// <summary>What every response says to caches and browsers (RFC 6749 §5.1, RFC 6797, MIME sniffing).</summary>
[SqliteOnly]
public sealed class SecurityHeadersTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task ResponsesThatCarryTokensOrPersonalDataAreNeverStoredByACache()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail("headers");
        await client.RegisterAsync(email);
        await factory.ActivateAsync(email);

        var login = await client.PostLoginAsync(email);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        AssertNotStored(login);

        var tokens = AuthFlows.ReadTokens(await login.ReadJsonAsync());
        AssertNotStored(await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken }));
        AssertNotStored(await factory.CreateClientFor(tokens).GetAsync("/api/v1/users/me"));
        AssertNotStored(await client.GetAsync("/api/v1/users/me")); // an error is not cached either
    }

    [Fact]
    public async Task PublicDocumentsKeepTheirOwnCachingAndEveryResponseForbidsSniffing()
    {
        var client = factory.CreateClient();
        var jwks = await client.GetAsync("/.well-known/jwks.json");
        Assert.Equal(HttpStatusCode.OK, jwks.StatusCode);
        Assert.Equal("public, max-age=300", jwks.Headers.CacheControl?.ToString());
        Assert.Equal("nosniff", Assert.Single(jwks.Headers.GetValues("X-Content-Type-Options")));

        foreach (var path in new[] { "/api/v1/users/me", "/health/live", "/api/v1/does-not-exist" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        }
    }

    [Fact]
    public async Task StrictTransportSecurityIsSentOverHttpsOnly()
    {
        var https = factory.CreateClient(new() { BaseAddress = new Uri("https://warden.test/") });
        var secure = await https.GetAsync("/health/live");
        Assert.Equal("max-age=31536000", Assert.Single(secure.Headers.GetValues("Strict-Transport-Security")));

        var plain = await factory.CreateClient(new() { BaseAddress = new Uri("http://warden.test/") }).GetAsync("/health/live");
        Assert.False(plain.Headers.Contains("Strict-Transport-Security"));
    }

    private static void AssertNotStored(HttpResponseMessage response)
    {
        Assert.True(response.Headers.CacheControl?.NoStore == true, $"{response.RequestMessage?.RequestUri}: Cache-Control is '{response.Headers.CacheControl}'");
        Assert.Contains("no-cache", response.Headers.Pragma.Select(p => p.Name));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }
}
