using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Privacy;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Warden.Tests.Pages;

namespace Warden.Tests.Oidc;

/// <summary>
/// Consent for third-party clients: asked once per client and scope, remembered across authorization requests,
/// asked again for a new scope, refused with <c>access_denied</c>, revoked under "connected apps" with every token
/// of that client for the person. First-party clients never see it.
/// </summary>
[SqliteOnly]
public sealed class ConsentTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private const string Scope = "openid email offline_access";

    [Fact]
    public async Task AThirdPartyClientAsksOnceSkipsTheSecondTimeAndAsksAgainAfterARevocationThatKillsItsRefreshToken()
    {
        var clientId = await factory.RegisterClientAsync(firstParty: false);
        var browser = factory.Browser();
        await factory.SignedInBrowserAsync(browser);

        var (page, returnUrl) = await ConsentPageAsync(browser, clientId, Scope);
        Assert.Contains("See your email address", page, StringComparison.Ordinal);
        Assert.Contains("Stay connected when you are not using it", page, StringComparison.Ordinal);
        var allowed = await browser.PostFormAsync("/account/consent", Hidden(page), ("returnUrl", returnUrl), ("decision", "allow"));
        Assert.Equal(HttpStatusCode.SeeOther, allowed.StatusCode);
        var pkce = OidcFlows.Pkce.Create();
        var code = await browser.CodeAsync(WithPkce(allowed.Headers.Location!.ToString(), pkce));
        var refreshToken = (await (await browser.RedeemAsync(clientId, code, pkce)).JsonAsync()).GetProperty("refresh_token").GetString()!;

        // The second time: straight back to the client with a code.
        await browser.CodeAsync(OidcFlows.AuthorizeUrl(clientId, OidcFlows.Pkce.Create(), scope: Scope));

        var apps = await browser.GetStringAsync("/account/apps");
        Assert.Contains(clientId, apps, StringComparison.Ordinal);
        var applicationId = await factory.InDbAsync(db => db.OidcApplications.Where(a => a.ClientId == clientId).Select(a => a.Id).SingleAsync());
        var revoked = await browser.PostFormAsync("/account/apps/revoke", Hidden(apps), ("id", applicationId.ToString()));
        Assert.Equal("/account/apps?done=revoked", revoked.Headers.Location?.ToString());

        var refresh = await browser.RefreshAsync(clientId, refreshToken);
        Assert.Equal("invalid_grant", (await refresh.JsonAsync(HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        Assert.DoesNotContain(clientId, await browser.GetStringAsync("/account/apps"), StringComparison.Ordinal);
        await ConsentPageAsync(browser, clientId, Scope);
    }

    [Fact]
    public async Task AConnectedAppIsInThePersonsExportAndTheirErasureLeavesNoGrantOrTokenNamingThem()
    {
        var clientId = await factory.RegisterClientAsync(firstParty: false);
        var browser = factory.Browser();
        var email = await factory.SignedInBrowserAsync(browser);
        var (page, returnUrl) = await ConsentPageAsync(browser, clientId, Scope);
        var allowed = await browser.PostFormAsync("/account/consent", Hidden(page), ("returnUrl", returnUrl), ("decision", "allow"));
        var pkce = OidcFlows.Pkce.Create();
        var code = await browser.CodeAsync(WithPkce(allowed.Headers.Location!.ToString(), pkce));
        await (await browser.RedeemAsync(clientId, code, pkce)).JsonAsync();
        var userId = await factory.InDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());
        var subject = userId.ToString();

        var export = await factory.InScopeAsync(services =>
            services.GetServices<IPersonalData>().Single(p => p.Name == "connectedApps").ExportAsync(userId, CancellationToken.None));
        Assert.Contains(clientId, System.Text.Json.JsonSerializer.Serialize(export), StringComparison.Ordinal);
        Assert.NotEmpty(await factory.InDbAsync(db => db.OidcTokens.Where(t => t.Subject == subject).ToListAsync()));

        await factory.InScopeAsync(async services =>
            Assert.Equal(ErasureResult.Erased, await services.GetRequiredService<AccountErasure>().EraseAsync(userId, null, CancellationToken.None)));

        Assert.Empty(await factory.InDbAsync(db => db.OidcAuthorizations.Where(a => a.Subject == subject).ToListAsync()));
        Assert.Empty(await factory.InDbAsync(db => db.OidcTokens.Where(t => t.Subject == subject).ToListAsync()));
    }

    [Fact]
    public async Task ANewScopeIsAskedAgainAndMarkedNewWhileTheConsentedOnesAreRemembered()
    {
        var clientId = await factory.RegisterClientAsync(firstParty: false);
        var browser = factory.Browser();
        await factory.SignedInBrowserAsync(browser);
        var (page, returnUrl) = await ConsentPageAsync(browser, clientId, "openid email");
        await browser.PostFormAsync("/account/consent", Hidden(page), ("returnUrl", returnUrl), ("decision", "allow"));

        var (wider, _) = await ConsentPageAsync(browser, clientId, "openid email profile");

        Assert.Single(System.Text.RegularExpressions.Regex.Matches(wider, "class=\"badge\""));
        Assert.Matches("See your name and username\\s*<span class=\"badge\">", wider);
        await browser.CodeAsync(OidcFlows.AuthorizeUrl(clientId, OidcFlows.Pkce.Create(), scope: "openid email"));
    }

    [Fact]
    public async Task DenyingAnswersAccessDeniedAndPromptNoneWithoutConsentAnswersConsentRequired()
    {
        var clientId = await factory.RegisterClientAsync(firstParty: false);
        var browser = factory.Browser();
        await factory.SignedInBrowserAsync(browser);

        var silent = await browser.GetAsync(OidcFlows.AuthorizeUrl(clientId, OidcFlows.Pkce.Create(), scope: Scope, extra: ("prompt", "none")));
        var (page, returnUrl) = await ConsentPageAsync(browser, clientId, Scope);
        var denied = await browser.PostFormAsync("/account/consent", Hidden(page), ("returnUrl", returnUrl), ("decision", "deny"));
        var answer = await browser.GetAsync(denied.Headers.Location);

        Assert.StartsWith(OidcFlows.RedirectUri + "?error=consent_required", silent.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.StartsWith(OidcFlows.RedirectUri + "?error=access_denied", answer.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Empty(await factory.InDbAsync(db => db.OidcAuthorizations.Where(a => a.Application!.ClientId == clientId).ToListAsync()));
    }

    [Fact]
    public async Task AFirstPartyClientNeverSeesConsentAndARevocationEndsOnlyTheRevokersOwnConsent()
    {
        var firstParty = await factory.RegisterClientAsync();
        var thirdParty = await factory.RegisterClientAsync(firstParty: false);
        var owner = factory.Browser();
        await factory.SignedInBrowserAsync(owner);
        await owner.CodeAsync(OidcFlows.AuthorizeUrl(firstParty, OidcFlows.Pkce.Create(), scope: Scope));
        var (page, returnUrl) = await ConsentPageAsync(owner, thirdParty, Scope);
        await owner.PostFormAsync("/account/consent", Hidden(page), ("returnUrl", returnUrl), ("decision", "allow"));
        var applicationId = await factory.InDbAsync(db => db.OidcApplications.Where(a => a.ClientId == thirdParty).Select(a => a.Id).SingleAsync());

        var other = factory.Browser();
        await factory.SignedInBrowserAsync(other);
        var (otherPage, otherReturnUrl) = await ConsentPageAsync(other, thirdParty, Scope);
        await other.PostFormAsync("/account/consent", Hidden(otherPage), ("returnUrl", otherReturnUrl), ("decision", "allow"));
        var token = Hidden(await other.GetStringAsync("/account/apps"));
        var ownRevoked = await other.PostFormAsync("/account/apps/revoke", token, ("id", applicationId.ToString()));
        var unknown = await other.PostFormAsync("/account/apps/revoke", token, ("id", Guid.NewGuid().ToString()));

        Assert.Equal(HttpStatusCode.SeeOther, ownRevoked.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.DoesNotContain(firstParty, await owner.GetStringAsync("/account/apps"), StringComparison.Ordinal);
        // The other person's revocation ended only their own consent.
        await owner.CodeAsync(OidcFlows.AuthorizeUrl(thirdParty, OidcFlows.Pkce.Create(), scope: Scope));
    }

    /// <summary>The authorization request goes to the consent page; its HTML and the request it returns to.</summary>
    private static async Task<(string Html, string ReturnUrl)> ConsentPageAsync(HttpClient browser, string clientId, string scope)
    {
        var authorize = await browser.GetAsync(OidcFlows.AuthorizeUrl(clientId, OidcFlows.Pkce.Create(), scope: scope));
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        Assert.StartsWith("/account/consent?returnUrl=", authorize.Headers.Location!.ToString(), StringComparison.Ordinal);
        var html = await browser.GetStringAsync(authorize.Headers.Location);
        return (html, PageForms.Hidden(html, "returnUrl")!);
    }

    private static string Hidden(string html) => PageForms.Hidden(html, PageForms.TokenField)!;

    /// <summary>The returned request with a PKCE challenge the test knows the verifier of.</summary>
    private static string WithPkce(string authorizeUrl, OidcFlows.Pkce pkce) =>
        System.Text.RegularExpressions.Regex.Replace(authorizeUrl, "code_challenge=[^&]+", "code_challenge=" + pkce.Challenge);
}
