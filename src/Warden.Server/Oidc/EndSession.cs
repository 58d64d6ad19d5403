using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages;

namespace Warden.Server.Oidc;

/// <summary>
/// RP-initiated logout. OpenIddict has checked that <c>post_logout_redirect_uri</c> is one the client registered and
/// that an <c>id_token_hint</c> is Warden's. The browser session ends only when the hint names it (<c>sid</c>), so a page
/// elsewhere cannot sign the user out by sending the browser here; the browser is then sent back to the client.
/// </summary>
public static class EndSession
{
    public static async Task<IResult> HandleAsync(
        HttpContext http, AccountSession account, WardenDbContext db, SessionRevocation revocation, TimeProvider time, CancellationToken cancellationToken)
    {
        _ = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var hint = (await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
        var session = await account.CurrentAsync(http);
        if (session is not null && hint?.GetClaim(OidcPrincipals.SessionIdClaim) == session.Id.ToString())
        {
            await Logout.EndAsync(session.UserId, session.Id, db, revocation, time, cancellationToken);
            AccountSession.SignOut(http);
        }

        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/account/login" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }
}
