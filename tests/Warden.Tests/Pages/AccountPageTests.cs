using System.Net;
using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Pages;
using Warden.Tests.Infrastructure;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Pages;

/// <summary>The account pages without a browser: antiforgery, headers, the session cookie and where a sign-in may go.</summary>
[SqliteOnly]
public sealed class AccountPageTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    /// <summary>Every form of the account pages, with fields that would otherwise be read.</summary>
    public static TheoryData<string> Forms() =>
    [
        "/account/register", "/account/verify-email", "/account/resend-verification", "/account/login", "/account/login/second-factor",
        "/account/login/send-code/sms", "/account/login/password", "/account/logout", "/account/forgot-password", "/account/reset-password",
        "/account/invitation", "/account/reauthenticate", "/account/security/totp/setup", "/account/security/totp/confirm",
        "/account/security/recovery-codes", "/account/security/recovery-codes/download", "/account/security/two-factor/off", "/account/password",
        "/account/sessions/revoke", "/account/sessions/revoke-others", "/account/email", "/account/confirm-email-change", "/account/export",
        "/account/delete", "/account/security/sms", "/account/phone", "/account/phone/verify",
        "/account/profile", "/account/notifications", // the avatar's multipart form: AccountAreaPageTests
    ];

    [Theory]
    [MemberData(nameof(Forms))]
    public async Task EveryFormPostedWithoutItsAntiforgeryTokenIsRefusedWith400(string path)
    {
        var client = factory.PageClient();
        await client.FormTokenAsync("/account/login"); // the antiforgery cookie is there; only the form field is missing

        var response = await client.PostFormAsync(path, null, ("email", "someone@example.com"), ("login", "someone@example.com"), ("password", "x"),
            ("token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), ("challengeToken", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), ("code", "123456"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task TheSameFormWithItsTokenIsReadAndAnsweredBesideItsFields()
    {
        var client = factory.PageClient();
        var token = await client.FormTokenAsync("/account/login");

        var response = await client.PostFormAsync("/account/login", token, ("login", "nobody@example.com"), ("password", "wrong-password"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("The email, username or password is wrong.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PagesForbidScriptsAndFramingSendNoReferrerAndAreNeverStored()
    {
        var response = await factory.PageClient().GetAsync("/account/login");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal); // passkeys.js from Warden, nothing else
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.True(response.Headers.CacheControl?.NoStore);
        var html = await response.Content.ReadAsStringAsync();
        // One script, Warden's own file (passkeys), never inline.
        Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(html, "<script", System.Text.RegularExpressions.RegexOptions.IgnoreCase));
        Assert.Matches("<script src=\"/account/assets/passkeys\\.js\\?v=[0-9a-f]{16}\" defer></script>", html);
        Assert.Contains("<html lang=\"en\">", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheStylesheetIsOneCacheableFileCarryingTheBrandColour()
    {
        var client = factory.PageClient();
        var html = await client.GetStringAsync("/account/login");
        var href = System.Text.RegularExpressions.Regex.Match(html, "href=\"(/account/assets/warden.css\\?v=[0-9a-f]+)\"").Groups[1].Value;

        var css = await client.GetAsync(href);

        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromDays(365), css.Headers.CacheControl?.MaxAge);
        Assert.Contains("--brand: #2f5bd3", await css.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGermanBrowserGetsGermanPages()
    {
        var client = factory.PageClient();
        client.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("de-DE"));

        var html = await client.GetStringAsync("/account/login");

        Assert.Contains("<html lang=\"de\">", html, StringComparison.Ordinal);
        Assert.Contains("Anmelden", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownAccountPageIsAFriendly404Page()
    {
        var response = await factory.PageClient().GetAsync("/account/no-such-page");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Page not found", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABrowserSignInIsAWardenSessionWhoseCookieNeverAuthenticatesTheApi()
    {
        var (email, _) = await factory.SignedInUserAsync();
        var client = factory.PageClient();

        var signIn = await client.SignInThroughPageAsync(email);

        Assert.Equal(HttpStatusCode.SeeOther, signIn.StatusCode);
        Assert.Equal("/account", signIn.Headers.Location?.OriginalString);
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(AccountSession.PlainName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        var overview = await client.GetAsync("/account");
        Assert.Equal(HttpStatusCode.OK, overview.StatusCode);
        Assert.Contains(email, await overview.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var api = await client.GetAsync("/api/v1/users/me");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);

        var secret = cookie.Split(';')[0][(AccountSession.PlainName.Length + 1)..];
        var session = await factory.InDbAsync(db => db.Sessions.SingleAsync(s => s.User!.Email == email && s.Client == SessionClients.Browser));
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret)), session.CookieHash);
        Assert.False(await factory.InDbAsync(db => db.RefreshTokens.AnyAsync(t => t.SessionId == session.Id)), "a browser session has no tokens");
    }

    [Fact]
    public async Task SigningOutRevokesTheSessionAndTheOldCookieNoLongerWorks()
    {
        var (email, _) = await factory.SignedInUserAsync();
        var client = factory.PageClient();
        var cookie = (await client.SignInThroughPageAsync(email)).Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(AccountSession.PlainName, StringComparison.Ordinal)).Split(';')[0];
        var token = await client.FormTokenAsync("/account/register");

        var signOut = await client.PostFormAsync("/account/logout", token);

        Assert.Equal(HttpStatusCode.SeeOther, signOut.StatusCode);
        var session = await factory.InDbAsync(db => db.Sessions.SingleAsync(s => s.User!.Email == email && s.Client == SessionClients.Browser));
        Assert.Equal(RevocationReasons.Logout, session.RevokedReason);
        var replay = factory.PageClient();
        replay.DefaultRequestHeaders.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.SeeOther, (await replay.GetAsync("/account")).StatusCode);
    }

    [Fact]
    public async Task TheBrowserSessionIsListedAmongTheUsersSessionsAndEndsWhenRevokedThere()
    {
        var (email, tokens) = await factory.SignedInUserAsync();
        var browser = factory.PageClient();
        await browser.SignInThroughPageAsync(email);
        var api = factory.CreateClientFor(tokens);

        var sessions = await (await api.GetAsync("/api/v1/users/sessions")).ReadJsonAsync();
        var listed = sessions.EnumerateArray().Single(s => s.GetProperty("client").GetString() == SessionClients.Browser);
        var revoke = await api.DeleteAsync($"/api/v1/users/sessions/{listed.GetProperty("id").GetGuid()}");

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.GetAsync("/account")).StatusCode);
    }

    [Fact]
    public async Task ASessionLeftIdleLongerThanTheIdleTimeoutIsOver()
    {
        var (email, _) = await factory.SignedInUserAsync();
        var client = factory.PageClient();
        await client.SignInThroughPageAsync(email);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account")).StatusCode);

        factory.Time.Advance(TimeSpan.FromMinutes(31));

        var later = await client.GetAsync("/account");
        Assert.Equal(HttpStatusCode.SeeOther, later.StatusCode);
        Assert.StartsWith("/account/login", later.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://evil.example/steal", "/account")]
    [InlineData("//evil.example/steal", "/account")]
    [InlineData("/\\evil.example", "/account")]
    [InlineData("/account?tab=security", "/account?tab=security")]
    public async Task ASignInGoesBackOnlyToWardenItselfOrAConfiguredOrigin(string returnUrl, string expected)
    {
        var (email, _) = await factory.SignedInUserAsync();

        var signIn = await factory.PageClient().SignInThroughPageAsync(email, returnUrl: returnUrl);

        Assert.Equal(HttpStatusCode.SeeOther, signIn.StatusCode);
        Assert.Equal(expected, signIn.Headers.Location?.OriginalString);
    }

    [Fact]
    public void AConfiguredOriginIsAllowedAndNothingElseOnItsHost()
    {
        var urls = new ReturnUrls(Microsoft.Extensions.Options.Options.Create(new PageOptions { ReturnOrigins = ["https://app.example.com"] }));

        Assert.True(urls.IsAllowed("https://app.example.com/after-login?x=1"));
        Assert.False(urls.IsAllowed("http://app.example.com/after-login"));
        Assert.False(urls.IsAllowed("https://app.example.com.evil.example/"));
        Assert.False(urls.IsAllowed("https://user@app.example.com/"));
        Assert.False(urls.IsAllowed("javascript:alert(1)"));
    }
}
