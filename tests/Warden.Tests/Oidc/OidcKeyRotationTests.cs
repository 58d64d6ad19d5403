using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Security;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using static Warden.Tests.Security.TokenForgery;

namespace Warden.Tests.Oidc;

/// <summary>OpenIddict signs with Warden's current key as the store rotates it, without a restart; a successor published early never signs early.</summary>
[SqliteOnly]
public sealed class OidcKeyRotationTests : IDisposable
{
    private readonly WardenFactory _factory = new WardenFactory()
        .With("Warden:Tokens:KeyRotationInterval", "01:00:00")
        .With("Warden:Tokens:KeyRefreshInterval", "00:05:00");

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task OidcTokensFollowWardensKeyRotationAndTheSuccessorSignsOnlyFromItsActivation()
    {
        var store = _factory.Services.GetRequiredService<SigningKeyStore>();
        var tokens = _factory.Services.GetRequiredService<AccessTokenService>();
        var clientId = await _factory.RegisterClientAsync();
        var browser = _factory.Browser();
        await _factory.SignedInBrowserAsync(browser);
        var first = await OidcTokensAsync(browser, clientId);

        // The successor is created and published ten minutes before it activates: OpenIddict still signs with the current key.
        _factory.Time.Advance(TimeSpan.FromMinutes(51));
        await store.EnsureKeysAsync();
        var published = await PublishedKidsAsync(browser);
        await _factory.SignedInBrowserAsync(browser); // the browser session has idled out meanwhile
        var beforeActivation = await OidcTokensAsync(browser, clientId);

        _factory.Time.Advance(TimeSpan.FromMinutes(9));
        await store.EnsureKeysAsync();
        var afterActivation = await OidcTokensAsync(browser, clientId);

        Assert.Equal(2, published.Count);
        Assert.Equal(Kid(first.IdToken), Kid(beforeActivation.IdToken));
        Assert.Equal(Kid(first.AccessToken), Kid(beforeActivation.AccessToken));
        Assert.NotEqual(Kid(first.IdToken), Kid(afterActivation.IdToken));
        Assert.Equal(Kid(afterActivation.IdToken), Kid(afterActivation.AccessToken));
        Assert.Contains(Kid(afterActivation.IdToken), published);
        // Warden's own sign-in tokens and OIDC tokens come from one key at a time.
        Assert.Equal(Kid(afterActivation.AccessToken), Kid((await tokens.IssueAsync(Subject())).Token));
        Assert.NotNull(await tokens.ValidateAsync(afterActivation.AccessToken));
    }

    private static async Task<(string IdToken, string AccessToken)> OidcTokensAsync(HttpClient browser, string clientId)
    {
        var pkce = OidcFlows.Pkce.Create();
        var code = await browser.CodeAsync(OidcFlows.AuthorizeUrl(clientId, pkce));
        var answer = await (await browser.RedeemAsync(clientId, code, pkce)).JsonAsync();
        return (answer.GetProperty("id_token").GetString()!, answer.GetProperty("access_token").GetString()!);
    }

    private static async Task<List<string>> PublishedKidsAsync(HttpClient client)
    {
        var jwks = await (await client.GetAsync("/.well-known/jwks.json")).ReadJsonAsync();
        return [.. jwks.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!)];
    }

    private static string Kid(string token) => (string)Split(token).Header["kid"]!;
}
