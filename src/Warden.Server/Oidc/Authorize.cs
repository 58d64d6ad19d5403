using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Extensions;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Warden.Server.Pages;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Server.Oidc;

/// <summary>
/// The authorization endpoint (OpenIddict has validated the client, the exact redirect URI, the scopes and PKCE S256
/// before this runs). The Warden browser session is the OpenID Provider's session: without one, or when the client
/// asks for a fresh sign-in (<c>prompt=login</c>, <c>max_age</c>) or a second factor the session lacks
/// (<c>acr_values=mfa</c>), the browser goes to Warden's own sign-in page and comes back here. First-party clients
/// only: there is no consent step.
/// </summary>
public static class Authorize
{
    /// <summary>Added to the request sent through the sign-in page: a sign-in at or after this instant (Unix seconds) is fresh enough.</summary>
    public const string SignedInSinceParameter = "warden_since";
    public const string UnmetAuthenticationRequirements = "unmet_authentication_requirements";

    public static async Task<IResult> HandleAsync(
        HttpContext http, AccountSession account, OidcPrincipals principals, IOpenIddictApplicationManager applications,
        IOpenIddictAuthorizationManager authorizations, TimeProvider time, CancellationToken cancellationToken)
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
        var application = await applications.FindByClientIdAsync(request.ClientId!, cancellationToken)
            ?? throw new InvalidOperationException("OpenIddict validated an unknown client.");
        if (!await IsFirstPartyAsync(applications, application, cancellationToken))
        {
            // No consent screen yet: only clients registered as first-party (the admin API's, the CLI's) get a grant.
            return Error(Errors.ConsentRequired, "This application needs consent, which Warden does not ask for yet.");
        }

        var principal = await principals.ForUserAsync(user, session, request.GetScopes(), cancellationToken);

        // The grant remembers the Warden session it came from: it ends with it (OidcSessionGrants).
        var authorization = new OidcAuthorization { SessionId = session.Id };
        var descriptor = new OpenIddictAuthorizationDescriptor
        {
            ApplicationId = await applications.GetIdAsync(application, cancellationToken),
            Subject = user.Id.ToString(),
            Status = Statuses.Valid,
            Type = AuthorizationTypes.AdHoc,
            CreationDate = now,
        };
        descriptor.Scopes.UnionWith(principal.GetScopes());
        await authorizations.PopulateAsync(authorization, descriptor, cancellationToken);
        await authorizations.CreateAsync(authorization, cancellationToken);
        principal.SetAuthorizationId(await authorizations.GetIdAsync(authorization, cancellationToken));

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

    private static async Task<bool> IsFirstPartyAsync(IOpenIddictApplicationManager applications, object application, CancellationToken cancellationToken) =>
        (await applications.GetPropertiesAsync(application, cancellationToken)).TryGetValue(ClientEndpoints.FirstPartyProperty, out var value)
        && value.ValueKind == System.Text.Json.JsonValueKind.True;

    private static IResult Error(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
