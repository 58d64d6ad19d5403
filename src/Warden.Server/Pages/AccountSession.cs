using Microsoft.Extensions.Options;
using Warden.Server.Authentication.Sessions;

namespace Warden.Server.Pages;

/// <summary>
/// The browser session cookie of the account pages. Under https it is <c>__Host-warden_session</c> (Secure, path
/// <c>/</c>, no domain: no other host or path can set or shadow it); on plain http (development, tests) the prefix is
/// impossible and it is <c>warden_session</c>. HttpOnly and <c>SameSite=Lax</c> either way. It holds only the secret
/// <see cref="BrowserSessions"/> checks; nothing in <c>/api/v1</c> reads it.
/// </summary>
public sealed class AccountSession(BrowserSessions sessions, IOptions<PageOptions> options)
{
    public const string SecureName = "__Host-warden_session";
    public const string PlainName = "warden_session";
    private const string ItemKey = "warden.browser_session";

    public static string CookieName(HttpContext http) => http.Request.IsHttps ? SecureName : PlainName;

    /// <summary>The request's active browser session (looked up once per request), or null.</summary>
    public async Task<UserSession?> CurrentAsync(HttpContext http)
    {
        if (http.Items.TryGetValue(ItemKey, out var found))
        {
            return found as UserSession;
        }

        var session = await sessions.FindAsync(http.Request.Cookies[CookieName(http)], options.Value.IdleTimeout, http.RequestAborted);
        http.Items[ItemKey] = session;
        return session;
    }

    /// <summary>Sets the cookie after a sign-in (a new secret every time: a cookie set before it is worthless).</summary>
    public static void SignIn(HttpContext http, BrowserSignIn signIn) =>
        http.Response.Cookies.Append(CookieName(http), signIn.Secret, new CookieOptions
        {
            HttpOnly = true,
            Secure = http.Request.IsHttps,
            SameSite = SameSiteMode.Lax,
            Path = "/",
            IsEssential = true,
            // "Remember me" survives closing the browser; otherwise the cookie ends with the browser.
            Expires = signIn.Session.RememberMe ? signIn.Session.ExpiresAt : null,
        });

    public static void SignOut(HttpContext http)
    {
        http.Items[ItemKey] = null;
        http.Response.Cookies.Delete(CookieName(http), new CookieOptions { Path = "/", Secure = http.Request.IsHttps, HttpOnly = true, SameSite = SameSiteMode.Lax });
    }
}
