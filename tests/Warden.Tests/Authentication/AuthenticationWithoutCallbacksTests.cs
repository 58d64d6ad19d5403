using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenIddict.Client;
using OpenIddict.Server;
using Warden.Server.Authentication;
using Warden.Tests.Infrastructure;
using Warden.Tests.Oidc;

namespace Warden.Tests.Authentication;

/// <summary>
/// Requests under /api and /health are not offered to OpenIddict's server and client (which would match every request's
/// address against their endpoints); their own endpoints still are, and the bearer scheme still authenticates every request.
/// </summary>
public sealed class AuthenticationWithoutCallbacksTests : IDisposable
{
    private readonly CountingFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task ApiAndHealthRequestsAreNotOfferedToOpenIddictWhileItsEndpointsAreAndBearerTokensStillAuthenticate()
    {
        var user = await _factory.SignedInClientAsync();
        var before = _factory.Offered;

        var live = await user.Client.GetAsync("/health/live");
        var me = await user.Client.GetAsync("/api/v1/users/me");
        var refused = await user.Client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = "not-a-token" });
        var offeredForApiAndHealth = _factory.Offered - before;
        var discovery = await _factory.Browser().GetAsync("/.well-known/openid-configuration"); // https: the issuer is

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(0, offeredForApiAndHealth);
        Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
        Assert.True(_factory.Offered > before, "OpenIddict's own endpoint was not offered to it");
    }

    [Fact]
    public void NoneOfOpenIddictsEndpointsLiesUnderThePathsItIsNotAskedAbout()
    {
        var server = _factory.Services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue;
        var client = _factory.Services.GetRequiredService<IOptionsMonitor<OpenIddictClientOptions>>().CurrentValue;

        var endpoints = EndpointUris(server).Concat(EndpointUris(client)).ToList();

        Assert.Contains("/connect/token", endpoints);
        Assert.Contains("/.well-known/openid-configuration", endpoints);
        Assert.Contains("/account/login/external/callback", endpoints);
        Assert.All(endpoints, path => Assert.False(AuthenticationWithoutCallbacks.Skips(path), $"{path} is an OpenIddict endpoint"));
    }

    /// <summary>Every <c>...EndpointUris</c> list of the options, as paths (relative ones are relative to the root).</summary>
    private static IEnumerable<string> EndpointUris(object options) =>
        options.GetType().GetProperties()
            .Where(p => p.Name.EndsWith("EndpointUris", StringComparison.Ordinal) && typeof(IEnumerable<Uri>).IsAssignableFrom(p.PropertyType))
            .SelectMany(p => (IEnumerable<Uri>)p.GetValue(options)!)
            .Select(uri => uri.IsAbsoluteUri ? uri.AbsolutePath : "/" + uri.OriginalString.TrimStart('/'));

    /// <summary>Counts the requests OpenIddict's server is asked to process (its first handler of every request).</summary>
    private sealed class CountingFactory : WardenFactory
    {
        private int _offered;

        public int Offered => Volatile.Read(ref _offered);

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddOpenIddict().AddServer(server =>
                server.AddEventHandler<OpenIddictServerEvents.ProcessRequestContext>(handler => handler
                    .UseInlineHandler(_ =>
                    {
                        Interlocked.Increment(ref _offered);
                        return default;
                    })
                    .SetOrder(int.MinValue))));
        }
    }
}
