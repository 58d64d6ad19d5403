using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Server.Oidc;

/// <summary>
/// The token endpoint, after OpenIddict has authenticated the client and validated the code (with its PKCE verifier
/// and redirect URI), the refresh token (rotated; a spent one revokes the grant) or the device code (approved on
/// <c>/account/device</c> by a browser session, whose grant it is). Here Warden decides whether the
/// user still gets anything: an active account, and a session that is still active, or an <c>offline_access</c> grant
/// whose session only ended by a sign-out. The claims are read afresh.
/// </summary>
public static class TokenExchange
{
    public static async Task<IResult> HandleAsync(HttpContext http, WardenDbContext db, OidcPrincipals principals, TimeProvider time, CancellationToken cancellationToken)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        if (request.IsClientCredentialsGrantType())
        {
            // OpenIddict has authenticated the client and checked its grant type and scope permissions.
            return Results.SignIn(await principals.ForClientAsync(request.ClientId!, request.GetScopes(), cancellationToken), null,
                OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (!request.IsAuthorizationCodeGrantType() && !request.IsRefreshTokenGrantType() && !request.IsDeviceCodeGrantType())
        {
            return Refused(Errors.UnsupportedGrantType, "The grant type is not supported.");
        }

        var granted = (await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
        if (!Guid.TryParse(granted?.GetClaim(Claims.Subject), out var userId) || !Guid.TryParse(granted.GetClaim(OidcPrincipals.SessionIdClaim), out var sessionId))
        {
            return Refused(Errors.InvalidGrant, "The grant is no longer valid.");
        }

        var now = time.GetUtcNow();
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        var session = await db.Sessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sessionId && s.UserId == userId, cancellationToken);
        var offline = granted.HasScope(Scopes.OfflineAccess);
        var sessionAllows = session is not null && (session.IsActiveAt(now)
            || (offline && session.State == SessionState.Active && (session.RevokedAt is null || session.RevokedReason == RevocationReasons.Logout)));
        if (user is not { Status: UserStatus.Active } || session is null || !sessionAllows)
        {
            return Refused(Errors.InvalidGrant, "The grant is no longer valid.");
        }

        var principal = await principals.ForUserAsync(user, session, granted.GetScopes(), cancellationToken);
        principal.SetAuthorizationId(granted.GetAuthorizationId());
        return Results.SignIn(principal, null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static IResult Refused(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
