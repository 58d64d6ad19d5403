namespace Warden.Server.Pages;

/// <summary>
/// Where a return address on Warden itself sends the browser next, for a module above the pages that routes browsers
/// through the sign-in page (the OpenID Connect provider's authorization endpoint, which redirects to the client).
/// Chromium applies a page's <c>form-action</c> to every redirect that follows the post, so the sign-in page's forms
/// may post only where that chain is allowed to end: <see cref="PageHeaders"/> adds the source this names.
/// </summary>
public interface IReturnRedirects
{
    /// <summary>
    /// The CSP source (an origin, or <c>scheme:</c> for a native application) the browser goes to after
    /// <paramref name="localReturnUrl"/> (a path on Warden without its path base), or null when it stays on Warden
    /// or the address is not one this module vouches for.
    /// </summary>
    ValueTask<string?> NextSourceAsync(string localReturnUrl, CancellationToken cancellationToken);
}
