using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Http;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Oidc;

/// <summary>
/// Identity providers through /api/v1/admin/identity-providers on a server that keeps to the outbound guard's default
/// (no private targets): a discovery address inside the network or over plain http is refused before anything is stored,
/// and a stored provider's secret never comes back.
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
}
