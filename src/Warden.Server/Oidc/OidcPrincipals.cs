using System.Collections.Immutable;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using Warden.Server.Authentication;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authorization;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Users;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Server.Oidc;

/// <summary>
/// What OpenID Connect tokens say about a user: built at the authorization and at every refresh from the user row and
/// the account view (<see cref="AccountViewCache"/>, forgotten synchronously by every write of what it holds), so a
/// changed role, name or address shows in the next token. Every token names the Warden session (<c>sid</c>),
/// how and when the user signed in (<c>amr</c>, <c>auth_time</c>) and the level that gives (<c>acr</c>).
/// </summary>
public sealed class OidcPrincipals(WardenDbContext db, AccountViewCache accountViews, IOpenIddictScopeManager scopes, SecretProtector protector)
{
    public const string SessionIdClaim = "sid";
    public const string AmrClaim = "amr";
    public const string AcrClaim = "acr";

    /// <summary>The user's effective permissions (with the <c>roles</c> scope, in the access token only), as in Warden's own tokens.</summary>
    public const string PermissionsClaim = "permissions";

    /// <summary>The <c>acr</c> of a session with a second factor, and the <c>acr_values</c> that asks for one.</summary>
    public const string MultiFactor = "mfa";
    public const string SingleFactor = "pwd";

    public static string AcrOf(UserSession session) => session.AmrValues.Contains(MultiFactor) ? MultiFactor : SingleFactor;

    public async Task<ClaimsPrincipal> ForUserAsync(User user, UserSession session, ImmutableArray<string> granted, CancellationToken cancellationToken)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id.ToString())
            .SetClaim(SessionIdClaim, session.Id.ToString())
            .SetClaim(Claims.AuthenticationTime, (session.AuthenticatedAt ?? session.CreatedAt).ToUnixTimeSeconds())
            .SetClaim(AcrClaim, AcrOf(session));

        // One JSON_ARRAY claim, so amr is an array even with one method: OpenID Connect Core defines it as an array of
        // strings, and OpenIddict writes a claim that occurs once as a plain string (openiddict-core#2062 allows this).
        identity.AddClaim(new Claim(AmrClaim, JsonSerializer.Serialize(session.AmrValues), JsonClaimValueTypes.JsonArray));

        if (granted.Contains(Scopes.Email))
        {
            identity.SetClaim(Claims.Email, user.Email).SetClaim(Claims.EmailVerified, user.EmailVerifiedAt is not null);
        }

        if (granted.Contains(Scopes.Profile) || granted.Contains(Scopes.Roles))
        {
            // Roles, permissions and the profile's name come from the account view Warden's own tokens are made from:
            // every write of those facts forgets it synchronously, so the next token shows the change.
            var (access, extras) = await accountViews.ForTokenAsync(db, user, cancellationToken);
            if (granted.Contains(Scopes.Profile))
            {
                identity.SetClaim(Claims.PreferredUsername, user.UserName);
                if (extras.ProfileName is { } name)
                {
                    identity.SetClaim(Claims.Name, name);
                }
            }

            if (granted.Contains(Scopes.Roles))
            {
                identity.SetClaims(Claims.Role, [.. access.Roles.Order(StringComparer.Ordinal)]);
                // Services built on Warden.Client.AspNetCore authorize by permission (RequirePermission); access token only.
                identity.SetClaims(PermissionsClaim, [.. access.EffectivePermissions.Order(StringComparer.Ordinal)]);
            }
        }

        if (granted.Contains(Scopes.Phone)
            && await db.Profiles.Where(p => p.UserId == user.Id).Select(p => new { p.PhoneNumberProtected, p.PhoneVerified }).FirstOrDefaultAsync(cancellationToken)
                is { PhoneNumberProtected: { } number } phone)
        {
            // Stored encrypted (Profiles); given out only to a client the user let have the phone scope.
            identity.SetClaim(Claims.PhoneNumber, protector.Unprotect(SecretKind.PhoneNumber, number))
                .SetClaim(Claims.PhoneNumberVerified, phone.PhoneVerified);
        }

        var principal = new ClaimsPrincipal(identity);
        principal.SetScopes(granted);
        principal.SetResources(await ResourcesAsync(granted, cancellationToken));
        // Only what the granted scopes allow was added above; all of it goes in both tokens.
        principal.SetDestinations(static claim => claim.Type == PermissionsClaim
            ? [Destinations.AccessToken]
            : [Destinations.AccessToken, Destinations.IdentityToken]);
        return principal;
    }

    /// <summary>A client acting for itself (client credentials): its client id as <c>sub</c>, no session, no user.</summary>
    public async Task<ClaimsPrincipal> ForClientAsync(string clientId, ImmutableArray<string> granted, CancellationToken cancellationToken)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, clientId).SetClaim(Claims.ClientId, clientId);
        var principal = new ClaimsPrincipal(identity);
        principal.SetScopes(granted);
        principal.SetResources(await ResourcesAsync(granted, cancellationToken));
        principal.SetDestinations(static _ => [Destinations.AccessToken]);
        return principal;
    }

    private async Task<ImmutableArray<string>> ResourcesAsync(ImmutableArray<string> granted, CancellationToken cancellationToken)
    {
        var resources = ImmutableArray.CreateBuilder<string>();
        await foreach (var resource in scopes.ListResourcesAsync(granted, cancellationToken))
        {
            resources.Add(resource);
        }

        return resources.ToImmutable();
    }
}
