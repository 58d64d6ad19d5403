using Microsoft.AspNetCore.Http.HttpResults;
using OpenIddict.Abstractions;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Security;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Server.Authorization.Check;

/// <summary>
/// Who may ask the check endpoint: a service holding a client-credentials access token from Warden's OpenID Connect
/// provider with the <see cref="Scope"/> scope. Validated like every Warden token (signature by Warden's keys, issuer,
/// Warden's own audience, lifetime, <c>typ at+jwt</c>), then: the token names a client acting for itself
/// (<c>client_id</c> equal to <c>sub</c>, no session), it carries the scope (OpenIddict lets only clients granted the
/// scope request it), and its token entry is still valid (a revoked token or a deleted client stops at once).
/// A user's token is refused even when the user is an administrator: the endpoint answers questions about any
/// user, which is a service's business, not a person's.
/// </summary>
public sealed class CheckCallers(AccessTokenService tokens, IOpenIddictTokenManager entries, TokenEntryCache cache)
{
    /// <summary>The OpenID Connect scope a client must be granted, and request, to use the check endpoint.</summary>
    public const string Scope = "authz:check";

    /// <summary>The OpenIddict claim naming the token's entry in the database.</summary>
    private const string TokenEntryClaim = "oi_tkn_id";

    /// <summary>The calling client's id, or the 401/403 problem to answer with.</summary>
    public async Task<(string? ClientId, ProblemHttpResult? Refusal)> AuthenticateAsync(HttpContext http)
    {
        var bearer = await tokens.ReadBearerAsync(http.Request);
        if (bearer.Identity is not { } identity)
        {
            return (null, bearer.IsAbsent
                ? Unauthenticated(ProblemCodes.Unauthorized, "Authentication is required.", http)
                : Unauthenticated(ProblemCodes.TokenInvalid, bearer.Failure!, http));
        }

        var clientId = identity.FindFirst(Claims.ClientId)?.Value;
        var isClientToken = !string.IsNullOrEmpty(clientId) && identity.FindFirst(Claims.Subject)?.Value == clientId
            && identity.FindFirst("sid") is null;
        var scopes = (identity.FindFirst(Claims.Scope)?.Value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!isClientToken || !scopes.Contains(Scope, StringComparer.Ordinal))
        {
            return (null, ApiProblems.Problem(StatusCodes.Status403Forbidden, ProblemCodes.Forbidden,
                "Only a client-credentials token with the authz:check scope may use this endpoint."));
        }

        var entryId = identity.FindFirst(TokenEntryClaim)?.Value;
        if (string.IsNullOrEmpty(entryId) || !await cache.IsValidAsync("check:" + entryId, async ct =>
                await entries.FindByIdAsync(entryId, ct) is { } entry && await entries.HasStatusAsync(entry, Statuses.Valid, ct), http.RequestAborted))
        {
            return (null, Unauthenticated(ProblemCodes.TokenInvalid, "The access token has been revoked.", http));
        }

        return (clientId, null);
    }

    private static ProblemHttpResult Unauthenticated(string code, string title, HttpContext http)
    {
        http.Response.Headers.WWWAuthenticate = code == ProblemCodes.TokenInvalid ? "Bearer error=\"invalid_token\"" : "Bearer";
        return ApiProblems.Problem(StatusCodes.Status401Unauthorized, code, title);
    }
}
