using Microsoft.Extensions.Options;

namespace Warden.Server.Pages;

/// <summary>
/// Where a finished sign-in may send the browser: a path on Warden itself, or an address on one of
/// <see cref="PageOptions.ReturnOrigins"/>. Anything else is ignored for the overview (no open redirect).
/// </summary>
public sealed class ReturnUrls(IOptions<PageOptions> options)
{
    public const string Home = "/account";

    /// <summary>The address to go to: <paramref name="returnUrl"/> when allowed, else the overview.</summary>
    public string Resolve(string? returnUrl) => IsAllowed(returnUrl) ? returnUrl! : Home;

    public bool IsAllowed(string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || returnUrl.Length > 2048)
        {
            return false;
        }

        if (IsLocalPath(returnUrl))
        {
            return true;
        }

        var origin = Origin(returnUrl);
        return origin is not null && options.Value.ReturnOrigins.Any(o => string.Equals(o.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// A path on this server: one leading slash, never <c>//host</c> or <c>/\host</c> (browsers read both as another
    /// host), no control characters and no backslash anywhere (some browsers turn it into a slash).
    /// </summary>
    public static bool IsLocalPath(string url) =>
        url.Length > 0 && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(c => char.IsControl(c) || c == '\\');

    /// <summary><c>scheme://host[:port]</c> of an absolute http(s) address without user information, else null.</summary>
    public static string? Origin(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && string.IsNullOrEmpty(uri.UserInfo)
            ? uri.GetLeftPart(UriPartial.Authority)
            : null;
}
