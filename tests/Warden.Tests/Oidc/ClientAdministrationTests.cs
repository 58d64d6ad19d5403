using System.Net;
using System.Net.Http.Json;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Oidc;

/// <summary>Registering clients through /api/v1/admin/clients, and using what the answer gives.</summary>
[SqliteOnly]
public sealed class ClientAdministrationTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task AClientRegisteredByAnAdministratorGetsTokensWithTheSecretShownOnceAndNotAfterItsRotation()
    {
        var admin = (await factory.AdminClientAsync()).Client;
        var created = await (await admin.PostAsJsonAsync("/api/v1/admin/clients", new
        {
            displayName = "Course portal",
            redirectUris = new[] { "https://portal.example.com/callback" },
            grantTypes = new[] { "authorization_code", "refresh_token", "client_credentials" },
            scopes = new[] { "openid", "email", "warden" },
            accessTokenLifetimeSeconds = 600,
        })).ReadJsonAsync(HttpStatusCode.Created);
        var id = created.GetProperty("client").GetProperty("id").GetGuid();
        var clientId = created.GetProperty("client").GetProperty("clientId").GetString()!;
        var secret = created.GetProperty("clientSecret").GetString()!;
        var rp = factory.Browser();

        var before = await ClientCredentialsAsync(rp, clientId, secret);
        var rotated = await (await admin.PostAsync($"/api/v1/admin/clients/{id}/secret", null)).ReadJsonAsync();
        var oldSecret = await ClientCredentialsAsync(rp, clientId, secret);
        var newSecret = await ClientCredentialsAsync(rp, clientId, rotated.GetProperty("clientSecret").GetString()!);
        var listed = await (await admin.GetAsync("/api/v1/admin/clients")).Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(600, (await before.JsonAsync()).GetProperty("expires_in").GetInt32());
        Assert.Equal(HttpStatusCode.Unauthorized, oldSecret.StatusCode);
        Assert.Equal(HttpStatusCode.OK, newSecret.StatusCode);
        Assert.Contains(clientId, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARegistrationWithAFragmentInItsRedirectUriOrASecretFlowForAPublicClientIsRefused()
    {
        var admin = (await factory.AdminClientAsync()).Client;

        var fragment = await admin.PostAsJsonAsync("/api/v1/admin/clients", new { redirectUris = new[] { "https://a.example.com/cb#x" } });
        var publicWithSecretFlow = await admin.PostAsJsonAsync("/api/v1/admin/clients", new { type = "public", grantTypes = new[] { "client_credentials" } });

        Assert.Equal(HttpStatusCode.BadRequest, fragment.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, publicWithSecretFlow.StatusCode);
    }

    [Fact]
    public async Task AThirdPartyClientIsRegisteredAsSuch()
    {
        var admin = (await factory.AdminClientAsync()).Client;

        var created = await admin.PostAsJsonAsync("/api/v1/admin/clients", new { redirectUris = new[] { "https://a.example.com/cb" }, firstParty = false });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.False((await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("client").GetProperty("firstParty").GetBoolean());
    }

    [Fact]
    public async Task OnlyAnAdministratorWithAdminSystemMayListClients()
    {
        var user = await factory.SignedInClientAsync();

        Assert.Equal(HttpStatusCode.Forbidden, (await user.Client.GetAsync("/api/v1/admin/clients")).StatusCode);
    }

    private static Task<HttpResponseMessage> ClientCredentialsAsync(HttpClient client, string clientId, string secret) =>
        client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret, ["scope"] = "warden",
        }));
}
