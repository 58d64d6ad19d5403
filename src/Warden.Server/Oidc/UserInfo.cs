using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Server.Oidc;

/// <summary>
/// The userinfo endpoint: OpenIddict has validated the access token (signature, issuer, type, its token entry); Warden
/// answers only for an active user whose session still stands, with the claims the token's scopes allow, read now.
/// </summary>
public static class UserInfo
{
    public static async Task<IResult> HandleAsync(HttpContext http, WardenDbContext db, OidcPrincipals principals, TimeProvider time, CancellationToken cancellationToken)
    {
        var token = (await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
        if (!Guid.TryParse(token?.GetClaim(Claims.Subject), out var userId) || !Guid.TryParse(token.GetClaim(OidcPrincipals.SessionIdClaim), out var sessionId))
        {
            return Invalid();
        }

        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        var session = await db.Sessions.Include(s => s.User).AsNoTracking().SingleOrDefaultAsync(s => s.Id == sessionId && s.UserId == userId, cancellationToken);
        var offline = token.HasScope(Scopes.OfflineAccess);
        if (user is not { Status: UserStatus.Active } || session is null
            || (!session.IsActiveAt(time.GetUtcNow()) && !(offline && session.RevokedReason == Authentication.Sessions.RevocationReasons.Logout)))
        {
            return Invalid();
        }

        var principal = await principals.ForUserAsync(user, session, token.GetScopes(), cancellationToken);
        var claims = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var group in principal.Claims.GroupBy(c => c.Type))
        {
            if (group.Key is OidcPrincipals.SessionIdClaim or Claims.AuthenticationTime or OidcPrincipals.AcrClaim or OidcPrincipals.AmrClaim)
            {
                continue;
            }

            claims[group.Key] = group.Key switch
            {
                Claims.Role => group.Select(c => c.Value).ToArray(),
                Claims.EmailVerified or Claims.PhoneNumberVerified => bool.Parse(group.First().Value),
                _ => group.First().Value,
            };
        }

        return Results.Ok(claims);
    }

    private static IResult Invalid() => Results.Challenge(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidToken,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The access token is no longer valid.",
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
