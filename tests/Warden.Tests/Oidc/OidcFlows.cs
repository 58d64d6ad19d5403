using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using Warden.Server.Oidc;
using Warden.Tests.Infrastructure;
using Warden.Tests.Pages;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Tests.Oidc;

/// <summary>A relying party's steps against the in-process provider: register a client, authorize through a signed-in browser, exchange.</summary>
public static class OidcFlows
{
    public const string RedirectUri = "https://rp.test/callback";
    public const string PostLogoutUri = "https://rp.test/signed-out";
    public const string Secret = "rp-secret-0123456789-abcdefghij";

    /// <summary>A client that keeps cookies over https (the issuer is https, so OpenIddict refuses plain http).</summary>
    public static HttpClient Browser(this WardenFactory factory) =>
        factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false, HandleCookies = true });

    public static Task<string> RegisterClientAsync(this WardenFactory factory, bool confidential = true, string[]? scopes = null, bool firstParty = true) => factory.InScopeAsync(async services =>
    {
        var clientId = "rp-" + Guid.NewGuid().ToString("N")[..8];
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = confidential ? Secret : null,
            ClientType = confidential ? ClientTypes.Confidential : ClientTypes.Public,
            RedirectUris = { new Uri(RedirectUri) },
            PostLogoutRedirectUris = { new Uri(PostLogoutUri) },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        descriptor.Permissions.UnionWith([
            Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession,
            Permissions.Endpoints.Introspection, Permissions.Endpoints.Revocation,
            Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code,
            Permissions.Scopes.Email, Permissions.Scopes.Profile, Permissions.Scopes.Roles, Permissions.Prefixes.Scope + Scopes.OfflineAccess,
            Permissions.Prefixes.Scope + "warden",
        ]);
        descriptor.Permissions.UnionWith((scopes ?? []).Select(s => Permissions.Prefixes.Scope + s));
        if (firstParty)
        {
            descriptor.Properties[ClientEndpoints.FirstPartyProperty] = JsonSerializer.SerializeToElement(true);
        }
        if (confidential)
        {
            descriptor.Permissions.Add(Permissions.GrantTypes.ClientCredentials);
        }

        await services.GetRequiredService<IOpenIddictApplicationManager>().CreateAsync(descriptor);
        return clientId;
    });

    public sealed record Pkce(string Verifier, string Challenge)
    {
        public static Pkce Create()
        {
            var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
            return new(verifier, Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
        }
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string AuthorizeUrl(string clientId, Pkce pkce, string scope = "openid profile email roles offline_access warden", string nonce = "n-0S6", params (string, string)[] extra)
    {
        var query = new Dictionary<string, string?>
        {
            ["client_id"] = clientId, ["response_type"] = "code", ["redirect_uri"] = RedirectUri, ["scope"] = scope,
            ["state"] = "st", ["nonce"] = nonce, ["code_challenge"] = pkce.Challenge, ["code_challenge_method"] = "S256",
        };
        foreach (var (k, v) in extra)
        {
            query[k] = v;
        }

        return QueryHelpers.AddQueryString("/connect/authorize", query);
    }

    /// <summary>The code the provider redirects the signed-in browser back with.</summary>
    public static async Task<string> CodeAsync(this HttpClient browser, string authorizeUrl)
    {
        var response = await browser.GetAsync(authorizeUrl);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var location = response.Headers.Location!;
        Assert.StartsWith(RedirectUri, location.ToString(), StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.True(query.ContainsKey("code"), location.ToString());
        return query["code"]!;
    }

    public static Task<HttpResponseMessage> TokenAsync(this HttpClient client, string clientId, params (string, string)[] fields)
    {
        var values = fields.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)).ToList();
        values.Add(new("client_id", clientId));
        values.Add(new("client_secret", Secret));
        return client.PostAsync("/connect/token", new FormUrlEncodedContent(values));
    }

    public static Task<HttpResponseMessage> RedeemAsync(this HttpClient client, string clientId, string code, Pkce pkce, string redirectUri = RedirectUri) =>
        client.TokenAsync(clientId, ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectUri), ("code_verifier", pkce.Verifier));

    public static Task<HttpResponseMessage> RefreshAsync(this HttpClient client, string clientId, string refreshToken) =>
        client.TokenAsync(clientId, ("grant_type", "refresh_token"), ("refresh_token", refreshToken));

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A JWT's payload, unverified (the tests check the signature where it is their subject).</summary>
    public static JsonElement Payload(string jwt) =>
        JsonDocument.Parse(Convert.FromBase64String(Pad(jwt.Split('.')[1].Replace('-', '+').Replace('_', '/')))).RootElement.Clone();

    private static string Pad(string s) => s + new string('=', (4 - s.Length % 4) % 4);

    /// <summary>Signs a new user in through the account page on <paramref name="browser"/>; their email.</summary>
    public static async Task<string> SignedInBrowserAsync(this WardenFactory factory, HttpClient browser)
    {
        var (email, _) = await factory.SignedInUserAsync();
        var signIn = await browser.SignInThroughPageAsync(email);
        Assert.Equal(HttpStatusCode.SeeOther, signIn.StatusCode);
        return email;
    }

    /// <summary>A new confidential client, a new user signed in on a new browser, and the tokens of their code flow with PKCE.</summary>
    public static async Task<(string ClientId, HttpClient Browser, JsonElement Tokens)> SignedInGrantAsync(
        this WardenFactory factory, string scope = "openid profile email roles offline_access warden")
    {
        var clientId = await factory.RegisterClientAsync();
        var browser = factory.Browser();
        await factory.SignedInBrowserAsync(browser);
        var pkce = Pkce.Create();
        var code = await browser.CodeAsync(AuthorizeUrl(clientId, pkce, scope: scope));
        return (clientId, browser, await (await browser.RedeemAsync(clientId, code, pkce)).JsonAsync());
    }
}
