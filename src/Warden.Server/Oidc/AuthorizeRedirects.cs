using Microsoft.AspNetCore.WebUtilities;
using OpenIddict.Abstractions;
using Warden.Server.Pages;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Server.Oidc;

/// <summary>
/// The sign-in page's way back to a client: an authorization request waiting on the sign-in ends at the client's
/// redirect URI, so the page's <c>form-action</c> must allow it (Chromium aborts the post's redirect chain otherwise).
/// Only a redirect URI the client registered is vouched for, so a crafted return address widens nothing.
/// </summary>
public sealed class AuthorizeRedirects(IOpenIddictApplicationManager applications) : IReturnRedirects
{
    public async ValueTask<string?> NextSourceAsync(string localReturnUrl, CancellationToken cancellationToken)
    {
        var query = localReturnUrl.IndexOf('?', StringComparison.Ordinal);
        if (query < 0 || !localReturnUrl.AsSpan(0, query).SequenceEqual(OidcSetup.AuthorizePath))
        {
            return null;
        }

        var parameters = QueryHelpers.ParseQuery(localReturnUrl[query..]);
        string? clientId = parameters[Parameters.ClientId], redirectUri = parameters[Parameters.RedirectUri];
        if (clientId is null || redirectUri is null
            || await applications.FindByClientIdAsync(clientId, cancellationToken) is not { } application
            || !await applications.ValidateRedirectUriAsync(application, redirectUri, cancellationToken))
        {
            return null;
        }

        return Source(redirectUri);
    }

    /// <summary>
    /// <c>https://host[:port]</c> for a web client, <c>scheme:</c> for a native one (<c>com.example.app:/callback</c>);
    /// null for anything that would not be a plain CSP source.
    /// </summary>
    public static string? Source(string redirectUri)
    {
        if (!Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return null;
        }

        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            return uri.Scheme + ":";
        }

        var authority = uri.Authority;
        return authority.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']')
            ? $"{uri.Scheme}://{authority}"
            : null;
    }
}
