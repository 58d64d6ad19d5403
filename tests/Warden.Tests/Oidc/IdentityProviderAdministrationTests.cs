using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Authentication.External;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Security;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Warden.Tests.Pages;

namespace Warden.Tests.Oidc;

/// <summary>
/// Identity providers through /api/v1/admin/identity-providers on a server that keeps to the outbound guard's default
/// (no private targets): a discovery address inside the network or over plain http is refused before anything is stored,
/// and a stored provider's secret never comes back. A private address already in the table (stored while the switch was on,
/// or written there directly) is refused again when a sign-in connects: OpenIddict's own calls go through the guard.
/// </summary>
[SqliteOnly]
public sealed class IdentityProviderAdministrationTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Theory]
    [InlineData("https://127.0.0.1/.well-known/openid-configuration")]
    [InlineData("https://10.1.2.3/.well-known/openid-configuration")]
    [InlineData("https://[::1]/.well-known/openid-configuration")]
    [InlineData("https://localhost/.well-known/openid-configuration")]
    [InlineData("http://id.example.com/.well-known/openid-configuration")]
    [InlineData("https://id.example.com/not-discovery")]
    public async Task ADiscoveryAddressInsideTheNetworkOrWithoutHttpsIsRefusedAndNothingIsStored(string discoveryUrl)
    {
        var admin = (await factory.AdminClientAsync()).Client;
        var slug = "guarded-" + Guid.NewGuid().ToString("N")[..8];

        var response = await admin.PostAsJsonAsync("/api/v1/admin/identity-providers",
            new { slug, displayName = "Guarded", kind = "oidc", discoveryUrl, clientId = "c", clientSecret = "s" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed);
        Assert.True(problem.GetProperty("errors").TryGetProperty("discoveryUrl", out _), problem.ToString());
        Assert.False(await factory.InDbAsync(db => db.IdentityProviders.AnyAsync(p => p.Slug == slug)));
    }

    [Fact]
    public async Task AStoredProvidersSecretIsNeverAnsweredAndIsStoredEncrypted()
    {
        var admin = (await factory.AdminClientAsync()).Client;
        var slug = "secret-" + Guid.NewGuid().ToString("N")[..8];
        const string secret = "the-provider-issued-this-secret";

        var created = await admin.PostAsJsonAsync("/api/v1/admin/identity-providers",
            new { slug, displayName = "GitHub", kind = "github", clientId = "gh-client", clientSecret = secret });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.DoesNotContain(secret, await created.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, await admin.GetStringAsync("/api/v1/admin/identity-providers"), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, await factory.InDbAsync(db => db.IdentityProviders.Where(p => p.Slug == slug).Select(p => p.ProtectedClientSecret).SingleAsync()),
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https")]
    [InlineData("http")]
    public async Task AProviderStoredWithAPrivateDiscoveryAddressIsRefusedAtSignInWithoutAConnection(string scheme)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var hits = 0;
        _ = Task.Run(async () =>
        {
            while (true)
            {
                using var socket = await listener.AcceptSocketAsync();
                Interlocked.Increment(ref hits);
            }
        });
        var slug = "inside-" + Guid.NewGuid().ToString("N")[..8];
        await factory.InScopeAsync(async services =>
        {
            var db = services.GetRequiredService<WardenDbContext>();
            var now = DateTimeOffset.UtcNow;
            db.IdentityProviders.Add(new IdentityProvider
            {
                Slug = slug, DisplayName = "Inside", Kind = IdentityProviderKinds.Oidc, ClientId = "inside",
                DiscoveryUrl = $"{scheme}://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/.well-known/openid-configuration",
                ProtectedClientSecret = services.GetRequiredService<SecretProtector>().Protect(SecretKind.IdentityProviderSecret, "inside-secret"),
                Scopes = "email profile", CreatedAt = now, UpdatedAt = now,
            });
            await db.SaveChangesAsync();
        });

        // On Warden's public (https) address, as a browser is: OpenIddict challenges from nowhere else.
        var browser = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions
        {
            BaseAddress = new Uri(WardenFactory.PublicBaseUrl), AllowAutoRedirect = false, HandleCookies = true,
        });
        var started = await browser.PostFormAsync($"/account/login/external/{slug}", await browser.FormTokenAsync("/account/login"));

        Assert.Equal(0, Volatile.Read(ref hits));
        Assert.Equal(HttpStatusCode.BadGateway, started.StatusCode);
        Assert.Contains("did not complete", await started.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
