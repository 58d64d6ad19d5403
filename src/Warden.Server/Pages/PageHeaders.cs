using Microsoft.Extensions.Options;

namespace Warden.Server.Pages;

/// <summary>
/// Headers of every account page, on top of what every Warden response has (<c>nosniff</c>, <c>no-store</c>, HSTS:
/// Infrastructure/Http/SecurityHeaders.cs). The policy allows scripts from Warden only (one: passkeys.js, never inline) and
/// requests back to Warden only (its passkey options), styles and
/// images from Warden only (plus the logo's host), forms posting to Warden or, after a sign-in, the configured return
/// origins (Chromium applies <c>form-action</c> to the redirect that follows a post) or where the page's return address
/// leads next (<see cref="IReturnRedirects"/>: an OpenID Connect client's registered redirect), and no framing (clickjacking).
/// No referrer is ever sent: verification and reset pages carry their token in the address.
/// </summary>
public sealed class PageHeaders
{
    private readonly string _policy;
    private readonly string _formTargets;
    private readonly string? _logoOrigin;

    public PageHeaders(IOptions<BrandOptions> brand, IOptions<PageOptions> pages)
    {
        _logoOrigin = brand.Value.LogoUrl is { } logo ? ReturnUrls.Origin(logo) : null;
        _formTargets = string.Join(' ', pages.Value.ReturnOrigins.Select(o => o.TrimEnd('/')).Prepend("'self'"));
        _policy = Policy(_formTargets);
    }

    /// <summary>The headers; <paramref name="nextSource"/> is one more place the page's forms may end up (already a valid CSP source).</summary>
    public void Apply(HttpResponse response, string? nextSource = null)
    {
        response.Headers.ContentSecurityPolicy = nextSource is null ? _policy : Policy(_formTargets + " " + nextSource);
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XFrameOptions = "DENY";
    }

    private string Policy(string formTargets) =>
        $"default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:{(_logoOrigin is null ? "" : " " + _logoOrigin)}; "
        + $"form-action {formTargets}; frame-ancestors 'none'; base-uri 'none'";
}
