using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using Warden.Server.Oidc;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Warden.Tests.Pages;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Tests.Oidc;

/// <summary>
/// The steps of an external sign-in between a Warden under test and an upstream Warden on a real port on 127.0.0.1 (its
/// generic provider, named by its discovery address). The browser is two cookie-keeping clients, one per server,
/// carrying each redirect across by hand.
/// </summary>
public sealed class ExternalFlows(WardenFactory warden, KestrelWardenFactory upstream)
{
    public const string Secret = "upstream-secret-0123456789-abcdef";

    public sealed record Provider(Guid Id, string Slug);

    private HttpClient? _admin;

    public async Task<HttpClient> AdminAsync() => _admin ??= (await warden.AdminClientAsync()).Client;

    /// <summary>
    /// A browser on Warden's public address: OpenIddict's client checks that the provider sent the person back to the very
    /// address it was given (the redirect_uri, under Warden:PublicBaseUrl).
    /// </summary>
    public HttpClient Browser() =>
        warden.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions
        {
            BaseAddress = new Uri(WardenFactory.PublicBaseUrl), AllowAutoRedirect = false, HandleCookies = true,
        });

    /// <summary>A client registered on the upstream Warden, and the provider naming it in the Warden under test.</summary>
    public async Task<Provider> ProviderAsync(bool trustEmail)
    {
        var slug = "up-" + Guid.NewGuid().ToString("N")[..8];
        var clientId = "warden-" + slug;
        await upstream.InScopeAsync(async services =>
        {
            var descriptor = new OpenIddictApplicationDescriptor
            {
                ClientId = clientId,
                ClientSecret = Secret,
                ClientType = ClientTypes.Confidential,
                RedirectUris = { new Uri($"{WardenFactory.PublicBaseUrl}/account/login/external/{slug}/callback") },
                Requirements = { Requirements.Features.ProofKeyForCodeExchange },
            };
            descriptor.Permissions.UnionWith([
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code,
                Permissions.Scopes.Email, Permissions.Scopes.Profile,
            ]);
            descriptor.Properties[ClientEndpoints.FirstPartyProperty] = JsonSerializer.SerializeToElement(true);
            await services.GetRequiredService<IOpenIddictApplicationManager>().CreateAsync(descriptor);
        });

        var created = await (await (await AdminAsync()).PostAsJsonAsync("/api/v1/admin/identity-providers", new
        {
            slug,
            displayName = "Upstream " + slug,
            kind = "oidc",
            discoveryUrl = new Uri(upstream.BaseAddress, ".well-known/openid-configuration").ToString(),
            clientId,
            clientSecret = Secret,
            trustEmailVerification = trustEmail,
        })).ReadJsonAsync(HttpStatusCode.Created);
        return new Provider(created.GetProperty("id").GetGuid(), slug);
    }

    /// <summary>A verified person on the upstream Warden, signed in there in a browser of their own.</summary>
    public async Task<HttpClient> UpstreamBrowserAsync(string email)
    {
        await upstream.PageClient().RegisterAsync(email);
        await upstream.ActivateAsync(email);
        var browser = upstream.PageClient();
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SignInThroughPageAsync(email)).StatusCode);
        return browser;
    }

    /// <summary>The sign-in page's button, the upstream's authorization, and the callback's address (not yet followed).</summary>
    public static async Task<string> CallbackUrlAsync(HttpClient browser, HttpClient upstream, string slug)
    {
        var token = await browser.FormTokenAsync("/account/login");
        var start = await browser.PostFormAsync($"/account/login/external/{slug}", token);
        return await AuthorizedAsync(start, upstream, slug);
    }

    /// <summary>The upstream's answer to a challenge it was sent to: the callback's address (asserted, not yet followed).</summary>
    public static async Task<string> AuthorizedAsync(HttpResponseMessage challenge, HttpClient upstream, string slug)
    {
        Assert.True(challenge.StatusCode == HttpStatusCode.Redirect, $"{challenge.StatusCode}: {await challenge.Content.ReadAsStringAsync()}");
        var authorized = await upstream.GetAsync(challenge.Headers.Location);
        Assert.True(authorized.StatusCode == HttpStatusCode.Redirect, $"{authorized.StatusCode}: {await authorized.Content.ReadAsStringAsync()}");
        var callback = authorized.Headers.Location!;
        Assert.StartsWith($"{WardenFactory.PublicBaseUrl}/account/login/external/{slug}/callback?", callback.ToString(), StringComparison.Ordinal);
        return callback.PathAndQuery;
    }

    public static async Task<HttpResponseMessage> SignInExternallyAsync(HttpClient browser, HttpClient upstream, string slug) =>
        await browser.GetAsync(await CallbackUrlAsync(browser, upstream, slug));

    public static async Task SignedInAsync(HttpResponseMessage response) =>
        Assert.True(response.StatusCode == HttpStatusCode.SeeOther, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");

    public Task<List<string>> LoginsAsync(Guid userId) =>
        warden.InDbAsync(db => db.UserLogins.Where(l => l.UserId == userId).Select(l => l.LoginProvider).ToListAsync());

    public Task<Guid> UserIdAsync(string email) =>
        warden.InDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());
}
