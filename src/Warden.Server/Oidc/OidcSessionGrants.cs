using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Security;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Server.Oidc;

/// <summary>
/// The OpenID Connect grants bound to Warden sessions. Revocation is two conditional updates in the caller's
/// transaction (a sign-out, an administrator, a password change, refresh-token reuse, a suspension, an erasure),
/// so a client's refresh token dies exactly when the session that granted it does. The one exception is the one
/// OpenID Connect makes: an <c>offline_access</c> grant survives its user signing out (and only that).
/// </summary>
public sealed class OidcSessionGrants(WardenDbContext db, TokenEntryCache cache) : ISessionGrants
{
    /// <summary>Redeemed codes and spent refresh tokens are kept this long, so a replay is still recognised (and revokes the grant).</summary>
    public static readonly TimeSpan SpentTokenRetention = TimeSpan.FromDays(1);

    /// <summary>
    /// A new grant of <paramref name="principal"/>'s scopes to a client, remembering the Warden session it came from: it
    /// ends with that session. Its id, for the principal's tokens.
    /// </summary>
    public static async Task<string?> CreateAsync(
        OpenIddict.Abstractions.IOpenIddictAuthorizationManager authorizations, System.Security.Claims.ClaimsPrincipal principal, string? applicationId,
        Guid userId, Guid sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var authorization = new OidcAuthorization { SessionId = sessionId };
        var descriptor = new OpenIddict.Abstractions.OpenIddictAuthorizationDescriptor
        {
            ApplicationId = applicationId,
            Subject = userId.ToString(),
            Status = Statuses.Valid,
            Type = AuthorizationTypes.AdHoc,
            CreationDate = now,
        };
        descriptor.Scopes.UnionWith(OpenIddict.Abstractions.OpenIddictExtensions.GetScopes(principal));
        await authorizations.PopulateAsync(authorization, descriptor, cancellationToken);
        await authorizations.CreateAsync(authorization, cancellationToken);
        return await authorizations.GetIdAsync(authorization, cancellationToken);
    }

    public async Task RevokeAsync(IReadOnlyCollection<Guid> sessionIds, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var grants = db.OidcAuthorizations.Where(a => a.SessionId != null && sessionIds.Contains(a.SessionId.Value) && a.Status != Statuses.Revoked);
        if (reason == RevocationReasons.Logout)
        {
            // Scopes are stored as a JSON array of strings; the quoted name cannot match another scope's name.
            grants = grants.Where(a => a.Scopes == null || !a.Scopes.Contains("\"" + Scopes.OfflineAccess + "\""));
        }

        var ids = await grants.Select(a => a.Id).ToListAsync(cancellationToken);
        if (ids.Count == 0)
        {
            return;
        }

        await db.OidcAuthorizations.Where(a => ids.Contains(a.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, Statuses.Revoked), cancellationToken);
        await db.OidcTokens.Where(t => t.Authorization != null && ids.Contains(t.Authorization.Id) && t.Status != Statuses.Revoked)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, Statuses.Revoked), cancellationToken);
    }

    public async Task<int> PruneAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var before = (now - SpentTokenRetention).UtcDateTime;
        var expired = now.UtcDateTime;
        var deleted = await db.OidcTokens
            .Where(t => t.ExpirationDate < expired || (t.Status != Statuses.Valid && t.Status != Statuses.Inactive && t.CreationDate < before))
            .ExecuteDeleteAsync(cancellationToken);
        // A grant goes when it has ended and has no token left (a permanent grant of a live session stays).
        deleted += await db.OidcAuthorizations
            .Where(a => (a.Status != Statuses.Valid || a.Type == AuthorizationTypes.AdHoc) && a.CreationDate < before && !a.Tokens.Any())
            .ExecuteDeleteAsync(cancellationToken);
        return deleted;
    }

    public async ValueTask<bool> IsTokenValidAsync(string tokenId, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(tokenId, out var id))
        {
            return true;
        }

        return await cache.IsValidAsync("grant:" + tokenId, async ct =>
        {
            var token = await db.OidcTokens.AsNoTracking().Where(t => t.Id == id)
                .Select(t => new { t.Status, AuthorizationStatus = t.Authorization == null ? null : t.Authorization.Status })
                .SingleOrDefaultAsync(ct);
            return token is not null
                   && token.Status == Statuses.Valid && (token.AuthorizationStatus is null || token.AuthorizationStatus == Statuses.Valid);
        }, cancellationToken);
    }
}
