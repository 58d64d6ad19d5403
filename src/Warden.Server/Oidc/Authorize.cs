using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Extensions;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Server.Oidc;

/// <summary>
/// The authorization endpoint (OpenIddict has validated the client, the exact redirect URI, the scopes and PKCE S256
/// before this runs). The Warden browser session is the OpenID Provider's session: without one, or when the client
/// asks for a fresh sign-in (<c>prompt=login</c>, <c>max_age</c>) or a second factor the session lacks
/// (<c>acr_values=mfa</c>), the browser goes to Warden's own sign-in page and comes back here. A first-party client
/// gets its grant at once; a third-party one only for the scopes the person consented to (<see cref="ClientConsent"/>):
/// for any other the browser goes to the consent page (<see cref="ConsentPages"/>) and comes back here.
/// </summary>
public static class Authorize
{
    /// <summary>Added to the request sent through the sign-in page: a sign-in at or after this instant (Unix seconds) is fresh enough.</summary>
    public const string SignedInSinceParameter = "warden_since";
    public const string UnmetAuthenticationRequirements = "unmet_authentication_requirements";

    /// <summary>Added by the consent page when the person refused: the request ends with <c>access_denied</c>.</summary>
    public const string ConsentDecisionParameter = "warden_consent";
    public const string ConsentDenied = "denied";

    public static async Task<IResult> HandleAsync(
        HttpContext http, AccountSession account, OidcPrincipals principals, IOpenIddictApplicationManager applications,
        IOpenIddictAuthorizationManager authorizations, WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var now = time.GetUtcNow();
        var session = await account.CurrentAsync(http);

        var since = long.TryParse((string?)request[SignedInSinceParameter], out var s) ? DateTimeOffset.FromUnixTimeSeconds(s) : (DateTimeOffset?)null;
        var authTime = session is null ? (DateTimeOffset?)null : session.AuthenticatedAt ?? session.CreatedAt;
        var freshEnough = authTime is { } at && since is { } after && at >= after;
        var wantsMfa = request.GetAcrValues().Contains(OidcPrincipals.MultiFactor);
        var hasMfa = session is not null && OidcPrincipals.AcrOf(session) == OidcPrincipals.MultiFactor;

        var signInNeeded = session is null
            || (request.HasPromptValue(PromptValues.Login) && !freshEnough)
            || (request.MaxAge is { } maxAge && now - authTime!.Value > TimeSpan.FromSeconds(maxAge) && !freshEnough)
            || (wantsMfa && !hasMfa && !freshEnough);
        if (signInNeeded)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Error(Errors.LoginRequired, "The user must sign in.");
            }

            return Results.Redirect(SignInAddress(http, request, session is not null, now));
        }

        if (wantsMfa && !hasMfa)
        {
            // Signed in afresh and still without a second factor: the account has none to give.
            return Error(UnmetAuthenticationRequirements, "The user has no second factor to sign in with.");
        }

        var user = session!.User!;
        var application = await applications.FindByClientIdAsync(request.ClientId!, cancellationToken) as OidcApplication
            ?? throw new InvalidOperationException("OpenIddict validated an unknown client.");
        if ((string?)request[ConsentDecisionParameter] == ConsentDenied)
        {
            // The consent page's "Deny". Anyone can add this parameter, but all it can do is refuse.
            return Error(Errors.AccessDenied, "The user did not allow the application.");
        }

        if (!IsFirstParty(await applications.GetPropertiesAsync(application, cancellationToken)))
        {
            // A third-party client gets only what the person consented to; asked again only for scopes not yet allowed.
            var missing = await ClientConsent.MissingAsync(db, authorizations, user.Id, application.Id, request.GetScopes(), cancellationToken);
            if (missing.Count > 0 || request.HasPromptValue(PromptValues.Consent))
            {
                return request.HasPromptValue(PromptValues.None)
                    ? Error(Errors.ConsentRequired, "The user has not allowed this application.")
                    : Results.Redirect(http.Request.PathBase + ConsentPages.Path + "?returnUrl=" + Uri.EscapeDataString(ConsentReturnAddress(http, request)));
            }
        }

        var principal = await principals.ForUserAsync(user, session, request.GetScopes(), cancellationToken);
        principal.SetAuthorizationId(await OidcSessionGrants.CreateAsync(
            authorizations, principal, await applications.GetIdAsync(application, cancellationToken), user.Id, session.Id, now, cancellationToken));

        return Results.SignIn(principal, null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>
    /// Warden's sign-in page, returning to this request without <c>prompt=login</c> and with the instant a new sign-in
    /// must follow, so that coming back never loops. A signed-in browser is asked to sign in again (<c>prompt=login</c>).
    /// </summary>
    private static string SignInAddress(HttpContext http, OpenIddictRequest request, bool signedIn, DateTimeOffset now)
    {
        var parameters = request.GetParameters()
            .Where(p => p.Key != SignedInSinceParameter)
            .Select(p => new KeyValuePair<string, string?>(p.Key, p.Key == Parameters.Prompt
                ? string.Join(' ', ((string?)p.Value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(v => v != PromptValues.Login))
                : (string?)p.Value))
            .Where(p => !string.IsNullOrEmpty(p.Value))
            .Append(new(SignedInSinceParameter, now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var returnUrl = http.Request.PathBase + OidcSetup.AuthorizePath + QueryString.Create(parameters);
        var login = http.Request.PathBase + "/account/login" + QueryString.Create(
            signedIn ? [new("returnUrl", returnUrl), new("prompt", PromptValues.Login)] : new KeyValuePair<string, string?>[] { new("returnUrl", returnUrl) });
        return login;
    }

    /// <summary>
    /// This request as the consent page sends the browser back to it: without <c>prompt=consent</c> (it has just been
    /// asked, so coming back never loops) and without an earlier decision.
    /// </summary>
    private static string ConsentReturnAddress(HttpContext http, OpenIddictRequest request)
    {
        var parameters = request.GetParameters()
            .Where(p => p.Key != ConsentDecisionParameter)
            .Select(p => new KeyValuePair<string, string?>(p.Key, p.Key == Parameters.Prompt
                ? string.Join(' ', ((string?)p.Value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(v => v != PromptValues.Consent))
                : (string?)p.Value))
            .Where(p => !string.IsNullOrEmpty(p.Value));
        return http.Request.PathBase + OidcSetup.AuthorizePath + QueryString.Create(parameters);
    }

    public static bool IsFirstParty(System.Collections.Immutable.ImmutableDictionary<string, System.Text.Json.JsonElement> properties) =>
        properties.TryGetValue(ClientEndpoints.FirstPartyProperty, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.True;

    private static IResult Error(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
