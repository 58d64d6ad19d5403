using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Users;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Warden.Tests.Pages;

namespace Warden.Tests.Oidc;

/// <summary>The OpenID Connect provider in process: one issuer and key set, code + PKCE on the browser session, and the grant's life with that session.</summary>
[SqliteOnly]
public sealed class OidcProviderTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task DiscoveryNamesWardensIssuerByteForByteWardensOneJwksAndOnlyS256()
    {
        var issuer = factory.Services.GetRequiredService<AccessTokenService>().Issuer;

        var discovery = await (await factory.Browser().GetAsync("/.well-known/openid-configuration")).JsonAsync();

        Assert.Equal(WardenFactory.PublicBaseUrl, issuer);
        Assert.Equal(issuer, discovery.GetProperty("issuer").GetString());
        Assert.Equal(issuer + "/.well-known/jwks.json", discovery.GetProperty("jwks_uri").GetString());
        Assert.Equal(issuer + "/connect/authorize", discovery.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(["S256"], discovery.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task AnAnonymousBrowserIsSentToWardensSignInAndPromptNoneIsAnsweredLoginRequired()
    {
        var clientId = await factory.RegisterClientAsync();
        var pkce = OidcFlows.Pkce.Create();
        var browser = factory.Browser();

        var anonymous = await browser.GetAsync(OidcFlows.AuthorizeUrl(clientId, pkce));
        var silent = await browser.GetAsync(OidcFlows.AuthorizeUrl(clientId, pkce, extra: ("prompt", "none")));

        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        var login = anonymous.Headers.Location!.ToString();
        Assert.StartsWith("/account/login?returnUrl=%2Fconnect%2Fauthorize", login, StringComparison.Ordinal);
        Assert.Contains("login_required", silent.Headers.Location?.ToString() ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSignInPageMayPostOnToTheClientsRegisteredRedirectButNotToAnAddressTheClientDidNotRegister()
    {
        // Chromium applies form-action to the redirects after the sign-in post: without the client's origin there, the
        // browser stops at the authorization endpoint's redirect to the client and the sign-in never reaches it.
        var clientId = await factory.RegisterClientAsync();
        var pkce = OidcFlows.Pkce.Create();
        var browser = factory.Browser();
        var registered = (await browser.GetAsync(OidcFlows.AuthorizeUrl(clientId, pkce))).Headers.Location!.ToString();
        var foreign = "/account/login?returnUrl=" + Uri.EscapeDataString(OidcFlows.AuthorizeUrl(clientId, pkce).Replace("rp.test", "evil.test", StringComparison.Ordinal));

        var page = await browser.GetAsync(registered);
        var html = await page.Content.ReadAsStringAsync();
        var afterWrongPassword = await browser.PostFormAsync("/account/login", PageForms.Hidden(html, PageForms.TokenField),
            ("login", "nobody@example.com"), ("password", "wrong-password"), ("returnUrl", PageForms.Hidden(html, "returnUrl")!));
        var foreignPage = await browser.GetAsync(foreign);

        Assert.Contains("form-action 'self' https://rp.test;", Csp(page), StringComparison.Ordinal);
        Assert.Contains("form-action 'self' https://rp.test;", Csp(afterWrongPassword), StringComparison.Ordinal);
        Assert.Contains("form-action 'self';", Csp(foreignPage), StringComparison.Ordinal);
        Assert.DoesNotContain("evil.test", Csp(foreignPage), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CodeWithPkceGivesTokensOfWardensIssuerAndSessionThatWardensApiAccepts()
    {
        var clientId = await factory.RegisterClientAsync();
        var browser = factory.Browser();
        var email = await factory.SignedInBrowserAsync(browser);
        var pkce = OidcFlows.Pkce.Create();

        var code = await browser.CodeAsync(OidcFlows.AuthorizeUrl(clientId, pkce, nonce: "nonce-42"));
        var tokens = await (await browser.RedeemAsync(clientId, code, pkce)).JsonAsync();

        var issuer = factory.Services.GetRequiredService<AccessTokenService>().Issuer;
        var session = await factory.InDbAsync(db => db.Sessions.SingleAsync(s => s.User!.Email == email && s.Client == SessionClients.Browser));
        var idToken = OidcFlows.Payload(tokens.GetProperty("id_token").GetString()!);
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        var access = OidcFlows.Payload(accessToken);
        Assert.Equal(issuer, idToken.GetProperty("iss").GetString());
        Assert.Equal(issuer, access.GetProperty("iss").GetString());
        Assert.Equal("nonce-42", idToken.GetProperty("nonce").GetString());
        Assert.Equal(clientId, idToken.GetProperty("aud").GetString());
        Assert.True(idToken.TryGetProperty("at_hash", out _));
        Assert.Equal(session.Id.ToString(), idToken.GetProperty("sid").GetString());
        Assert.Equal(session.Id.ToString(), access.GetProperty("sid").GetString());
        Assert.Equal("pwd", idToken.GetProperty("acr").GetString());
        // An array even with one method (OpenID Connect Core 1.0, section 2), in both tokens.
        Assert.Equal(["pwd"], idToken.GetProperty("amr").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(["pwd"], access.GetProperty("amr").EnumerateArray().Select(a => a.GetString()));
        Assert.True(idToken.TryGetProperty("auth_time", out _));
        Assert.NotNull(await factory.Services.GetRequiredService<AccessTokenService>().ValidateAsync(accessToken));

        var me = await factory.CreateClientFor(accessToken).GetAsync("/api/v1/users/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var userinfo = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo") { Headers = { { "Authorization", "Bearer " + accessToken } } };
        Assert.Equal(email, (await (await browser.SendAsync(userinfo)).JsonAsync()).GetProperty("email").GetString());
    }

    [Theory]
    [InlineData("prompt", "login")]
    [InlineData("max_age", "0")]
    public async Task ASignedInBrowserAskedForAFreshSignInIsAskedAgainAndComesBackWithoutLooping(string parameter, string value)
    {
        var clientId = await factory.RegisterClientAsync();
        var browser = factory.Browser();
        await factory.SignedInBrowserAsync(browser);
        factory.Time.Advance(TimeSpan.FromSeconds(5));

        var again = await browser.GetAsync(OidcFlows.AuthorizeUrl(clientId, OidcFlows.Pkce.Create(), extra: (parameter, value)));

        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        var location = again.Headers.Location!.OriginalString;
        Assert.StartsWith("/account/login?", location, StringComparison.Ordinal);
        var login = QueryHelpers.ParseQuery(location[location.IndexOf('?', StringComparison.Ordinal)..]);
        Assert.Equal("login", login["prompt"].ToString());
        var returnUrl = login["returnUrl"].ToString();
        Assert.DoesNotContain("prompt=login", returnUrl, StringComparison.Ordinal);
        Assert.Contains("warden_since=", returnUrl, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(again.Headers.Location)).StatusCode);
    }

    [Fact]
    public async Task AcrValuesMfaStepsASingleFactorSessionUpAndGivesAcrMfaOnlyAfterASecondFactor()
    {
        var clientId = await factory.RegisterClientAsync();

        // Signed in with a password alone and without a second factor to give: asked to sign in again, then refused.
        var plain = factory.Browser();
        var email = await factory.SignedInBrowserAsync(plain);
        factory.Time.Advance(TimeSpan.FromSeconds(5));
        var stepUp = await plain.GetAsync(OidcFlows.AuthorizeUrl(clientId, OidcFlows.Pkce.Create(), extra: ("acr_values", "mfa")));
        var login = stepUp.Headers.Location!.OriginalString;
        Assert.StartsWith("/account/login?", login, StringComparison.Ordinal);
        var loginPage = await plain.GetStringAsync(login);
        var again = await plain.PostFormAsync("/account/login", PageForms.Hidden(loginPage, PageForms.TokenField),
            ("login", email), ("password", AuthFlows.Password), ("returnUrl", PageForms.Hidden(loginPage, "returnUrl")!));
        var refused = await plain.GetAsync(again.Headers.Location);
        Assert.StartsWith(OidcFlows.RedirectUri + "?error=unmet_authentication_requirements", refused.Headers.Location!.ToString(), StringComparison.Ordinal);

        // With an authenticator: the page's second step makes the session multi-factor, and the id token says so.
        var strong = factory.Browser();
        var user = await factory.TotpUserAsync(factory.CreateClient());
        var page = await strong.GetAsync("/account/login");
        var html = await page.Content.ReadAsStringAsync();
        var codeStep = await strong.PostFormAsync("/account/login", PageForms.Hidden(html, PageForms.TokenField), ("login", user.Email), ("password", AuthFlows.Password));
        var codeForm = await codeStep.Content.ReadAsStringAsync();
        var signedIn = await strong.PostFormAsync("/account/login/second-factor", PageForms.Hidden(codeForm, PageForms.TokenField),
            ("challengeToken", PageForms.Hidden(codeForm, "challengeToken")!), ("code", await factory.TotpNowAsync(user)));
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        var pkce = OidcFlows.Pkce.Create();
        var code = await strong.CodeAsync(OidcFlows.AuthorizeUrl(clientId, pkce, extra: ("acr_values", "mfa")));
        var idToken = OidcFlows.Payload((await (await strong.RedeemAsync(clientId, code, pkce)).JsonAsync()).GetProperty("id_token").GetString()!);
        Assert.Equal("mfa", idToken.GetProperty("acr").GetString());
        Assert.Contains("mfa", idToken.GetProperty("amr").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task ThePhoneScopeGivesTheVerifiedNumberAndNoOtherScopeDoes()
    {
        var clientId = await factory.RegisterClientAsync(scopes: ["phone"]);
        var browser = factory.Browser();
        var email = await factory.SignedInBrowserAsync(browser);
        const string phone = "+15550100199";
        await factory.InScopeAsync(async services =>
        {
            var db = services.GetRequiredService<WardenDbContext>();
            var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
            await factory.WaitForProfileAsync(userId);
            await db.Profiles.Where(p => p.UserId == userId).ExecuteUpdateAsync(s => s
                .SetProperty(p => p.PhoneNumberProtected, services.GetRequiredService<SecretProtector>().Protect(SecretKind.PhoneNumber, phone))
                .SetProperty(p => p.PhoneVerified, true));
        });

        var withPhone = await TokensForAsync(browser, clientId, "openid phone");
        var without = await TokensForAsync(browser, clientId, "openid email");

        Assert.Equal(phone, withPhone.GetProperty("phone_number").GetString());
        Assert.True(withPhone.GetProperty("phone_number_verified").GetBoolean());
        Assert.False(without.TryGetProperty("phone_number", out _));
    }

    [Fact]
    public async Task ATokenForAnotherAudienceIsRefusedByWardensApi()
    {
        var clientId = await factory.RegisterClientAsync();
        var browser = factory.Browser();
        await factory.SignedInBrowserAsync(browser);
        var pkce = OidcFlows.Pkce.Create();

        var code = await browser.CodeAsync(OidcFlows.AuthorizeUrl(clientId, pkce, scope: "openid email"));
        var accessToken = (await (await browser.RedeemAsync(clientId, code, pkce)).JsonAsync()).GetProperty("access_token").GetString()!;

        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClientFor(accessToken).GetAsync("/api/v1/users/me")).StatusCode);
    }

    [Fact]
    public async Task RefreshRotatesAndASpentRefreshTokenRevokesTheGrant()
    {
        var (clientId, browser, tokens) = await factory.SignedInGrantAsync();
        var first = tokens.GetProperty("refresh_token").GetString()!;

        var rotated = await (await browser.RefreshAsync(clientId, first)).JsonAsync();
        var second = rotated.GetProperty("refresh_token").GetString()!;
        var replay = await browser.RefreshAsync(clientId, first);
        var afterReplay = await browser.RefreshAsync(clientId, second);

        Assert.NotEqual(first, second);
        await replay.JsonAsync(HttpStatusCode.BadRequest);
        Assert.Equal("invalid_grant", (await afterReplay.JsonAsync(HttpStatusCode.BadRequest)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task ReplayingACodeRevokesTheTokensIssuedFromIt()
    {
        var clientId = await factory.RegisterClientAsync();
        var browser = factory.Browser();
        await factory.SignedInBrowserAsync(browser);
        var pkce = OidcFlows.Pkce.Create();
        var code = await browser.CodeAsync(OidcFlows.AuthorizeUrl(clientId, pkce));
        var tokens = await (await browser.RedeemAsync(clientId, code, pkce)).JsonAsync();

        await (await browser.RedeemAsync(clientId, code, pkce)).JsonAsync(HttpStatusCode.BadRequest);

        Assert.Equal("invalid_grant", (await (await browser.RefreshAsync(clientId, tokens.GetProperty("refresh_token").GetString()!)).JsonAsync(HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClientFor(accessToken).GetAsync("/api/v1/users/me")).StatusCode);
    }

    [Fact]
    public async Task AWrongVerifierAWrongRedirectUriAndPlainPkceAreRefused()
    {
        var clientId = await factory.RegisterClientAsync();
        var browser = factory.Browser();
        await factory.SignedInBrowserAsync(browser);
        var pkce = OidcFlows.Pkce.Create();

        var wrongVerifier = await browser.RedeemAsync(clientId, await browser.CodeAsync(OidcFlows.AuthorizeUrl(clientId, pkce)), OidcFlows.Pkce.Create());
        var wrongRedirect = await browser.RedeemAsync(clientId, await browser.CodeAsync(OidcFlows.AuthorizeUrl(clientId, pkce)), pkce, "https://rp.test/other");
        var plain = await browser.GetAsync(OidcFlows.AuthorizeUrl(clientId, pkce, extra: ("code_challenge_method", "plain")));
        var foreignRedirect = await browser.GetAsync(OidcFlows.AuthorizeUrl(clientId, pkce).Replace(Uri.EscapeDataString(OidcFlows.RedirectUri), Uri.EscapeDataString("https://evil.test/cb"), StringComparison.Ordinal));

        Assert.Equal("invalid_grant", (await wrongVerifier.JsonAsync(HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        Assert.Equal("invalid_grant", (await wrongRedirect.JsonAsync(HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        Assert.Contains("invalid_request", plain.Headers.Location?.ToString() ?? await plain.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, foreignRedirect.StatusCode);
    }

    [Fact]
    public async Task SigningOutOfWardenEndsAnOrdinaryGrantButAnOfflineGrantSurvivesASignOutOnly()
    {
        var (clientId, browser, tokens) = await factory.SignedInGrantAsync(scope: "openid email");
        var pkce = OidcFlows.Pkce.Create();
        var offline = await (await browser.RedeemAsync(clientId, await browser.CodeAsync(OidcFlows.AuthorizeUrl(clientId, pkce, scope: "openid offline_access")), pkce)).JsonAsync();

        var signOut = await browser.PostFormAsync("/account/logout", await browser.FormTokenAsync("/account/register"));

        Assert.Equal(HttpStatusCode.SeeOther, signOut.StatusCode);
        Assert.False(tokens.TryGetProperty("refresh_token", out _), "without offline_access there is no refresh token");
        var userinfo = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo") { Headers = { { "Authorization", "Bearer " + tokens.GetProperty("access_token").GetString() } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SendAsync(userinfo)).StatusCode);
        var refreshed = await (await browser.RefreshAsync(clientId, offline.GetProperty("refresh_token").GetString()!)).JsonAsync();

        // The same offline grant dies with any other end of its session (here: the administrator's "sign out everywhere").
        var userId = Guid.Parse(OidcFlows.Payload(offline.GetProperty("id_token").GetString()!).GetProperty("sub").GetString()!);
        var admin = await factory.AdminClientAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.DeleteAsync($"/api/v1/admin/users/{userId}/sessions")).StatusCode);
        Assert.Equal("invalid_grant", (await (await browser.RefreshAsync(clientId, refreshed.GetProperty("refresh_token").GetString()!)).JsonAsync(HttpStatusCode.BadRequest)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task ASuspendedUsersRefreshFailsEvenForAnOfflineGrant()
    {
        var (clientId, browser, tokens) = await factory.SignedInGrantAsync();
        var userId = Guid.Parse(OidcFlows.Payload(tokens.GetProperty("id_token").GetString()!).GetProperty("sub").GetString()!);
        var admin = await factory.AdminClientAsync();

        var suspend = await admin.Client.SendAsync(HttpMethod.Put, $"/api/v1/admin/users/{userId}/status", new { status = "suspended" });

        Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
        Assert.Equal("invalid_grant", (await (await browser.RefreshAsync(clientId, tokens.GetProperty("refresh_token").GetString()!)).JsonAsync(HttpStatusCode.BadRequest)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task EndSessionSendsTheBrowserOnlyToARegisteredAddressAndEndsTheNamedSession()
    {
        var (_, browser, tokens) = await factory.SignedInGrantAsync();
        var idToken = tokens.GetProperty("id_token").GetString()!;

        var foreign = await browser.GetAsync(QueryHelpers.AddQueryString("/connect/logout", new Dictionary<string, string?> { ["id_token_hint"] = idToken, ["post_logout_redirect_uri"] = "https://evil.test/out" }));
        var registered = await browser.GetAsync(QueryHelpers.AddQueryString("/connect/logout", new Dictionary<string, string?> { ["id_token_hint"] = idToken, ["post_logout_redirect_uri"] = OidcFlows.PostLogoutUri, ["state"] = "s1" }));

        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        Assert.StartsWith(OidcFlows.PostLogoutUri, registered.Headers.Location?.ToString(), StringComparison.Ordinal);
        var sid = Guid.Parse(OidcFlows.Payload(idToken).GetProperty("sid").GetString()!);
        Assert.Equal(RevocationReasons.Logout, await factory.InDbAsync(db => db.Sessions.Where(s => s.Id == sid).Select(s => s.RevokedReason).SingleAsync()));
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClientFor(tokens.GetProperty("access_token").GetString()!).GetAsync("/api/v1/users/me")).StatusCode);
    }

    [Fact]
    public async Task ClientCredentialsGiveATokenWithoutSessionThatWardensUserApiRefuses()
    {
        var clientId = await factory.RegisterClientAsync();
        var client = factory.Browser();

        var tokens = await (await client.TokenAsync(clientId, ("grant_type", "client_credentials"), ("scope", "warden"))).JsonAsync();

        var accessToken = tokens.GetProperty("access_token").GetString()!;
        var payload = OidcFlows.Payload(accessToken);
        Assert.Equal(clientId, payload.GetProperty("sub").GetString());
        Assert.False(payload.TryGetProperty("sid", out _));
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClientFor(accessToken).GetAsync("/api/v1/users/me")).StatusCode);
    }

    [Fact]
    public async Task IntrospectionAndRevocationFollowTheGrantAndWardensApiRefusesARevokedToken()
    {
        var (clientId, browser, tokens) = await factory.SignedInGrantAsync();
        var accessToken = tokens.GetProperty("access_token").GetString()!;

        var active = await (await Introspect(browser, clientId, accessToken)).JsonAsync();
        var revoke = await browser.PostAsync("/connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = accessToken, ["client_id"] = clientId, ["client_secret"] = OidcFlows.Secret,
        }));
        var inactive = await (await Introspect(browser, clientId, accessToken)).JsonAsync();

        Assert.True(active.GetProperty("active").GetBoolean());
        Assert.Equal(WardenFactory.PublicBaseUrl, active.GetProperty("iss").GetString());
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.False(inactive.GetProperty("active").GetBoolean());
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClientFor(accessToken).GetAsync("/api/v1/users/me")).StatusCode);
    }

    [Fact]
    public async Task AnOidcAccessTokenInUseIsRefusedRightAfterItsRevocation()
    {
        var (clientId, browser, tokens) = await factory.SignedInGrantAsync();
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        var api = factory.CreateClientFor(accessToken);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/users/me")).StatusCode); // its validity is cached now
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/users/me")).StatusCode);

        var revoke = await browser.PostAsync("/connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = accessToken, ["client_id"] = clientId, ["client_secret"] = OidcFlows.Secret,
        }));

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/users/me")).StatusCode);
    }

    [Fact]
    public async Task AnOidcAccessTokenInUseIsRefusedRightAfterItsGrantEndsByARefreshTokenReplay()
    {
        var (clientId, browser, tokens) = await factory.SignedInGrantAsync();
        var api = factory.CreateClientFor(tokens.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/users/me")).StatusCode); // its validity is cached now
        var first = tokens.GetProperty("refresh_token").GetString()!;
        await (await browser.RefreshAsync(clientId, first)).JsonAsync();

        await (await browser.RefreshAsync(clientId, first)).JsonAsync(HttpStatusCode.BadRequest); // the replay revokes the grant's tokens

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/users/me")).StatusCode);
    }

    private static Task<HttpResponseMessage> Introspect(HttpClient client, string clientId, string token) =>
        client.PostAsync("/connect/introspect", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = token, ["client_id"] = clientId, ["client_secret"] = OidcFlows.Secret,
        }));

    private static string Csp(HttpResponseMessage response) => string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));

    /// <summary>The userinfo answer for a fresh grant of <paramref name="scope"/> on the signed-in <paramref name="browser"/>.</summary>
    private async Task<System.Text.Json.JsonElement> TokensForAsync(HttpClient browser, string clientId, string scope)
    {
        var pkce = OidcFlows.Pkce.Create();
        var code = await browser.CodeAsync(OidcFlows.AuthorizeUrl(clientId, pkce, scope: scope));
        var accessToken = (await (await browser.RedeemAsync(clientId, code, pkce)).JsonAsync()).GetProperty("access_token").GetString()!;
        var userinfo = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo") { Headers = { { "Authorization", "Bearer " + accessToken } } };
        return await (await browser.SendAsync(userinfo)).JsonAsync();
    }
}
