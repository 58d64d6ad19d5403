using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using OpenIddict.Abstractions;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages;
using Warden.Server.Pages.Account;
using Warden.Server.Pages.Layout;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Server.Oidc;

public sealed class ConsentForm
{
    public string? ReturnUrl { get; set; }
    public string? Decision { get; set; }
}

/// <summary>
/// "Allow &lt;application&gt; to ...": the consent page a third-party client's authorization request is sent to
/// (<see cref="Authorize"/>). It acts only on an authorization request of a registered client to one of its registered
/// redirect URIs (anything else is the 404 page), for the signed-in person; the decision goes back through the
/// authorization endpoint, so OpenIddict validates the request again and answers the client (a refusal:
/// <c>access_denied</c>). The form carries the antiforgery token and the page cannot be framed.
/// </summary>
public static class ConsentPages
{
    public const string Path = "/account/consent";

    public static async Task<IResult> ShowAsync(
        HttpContext http, string? returnUrl, AccountArea area, WardenDbContext db, IOpenIddictApplicationManager applications,
        IOpenIddictAuthorizationManager authorizations, IOpenIddictScopeManager scopes, IAntiforgery antiforgery, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http);
        }

        if (await ReadAsync(http, returnUrl, applications, cancellationToken) is not { } request)
        {
            return PageResults.NotFound();
        }

        var asked = await ClientConsent.MissingAsync(db, authorizations, person.UserId, request.Application.Id, request.Scopes, cancellationToken);
        return new RazorComponentResult<ConsentPage>(new Dictionary<string, object?>
        {
            [nameof(ConsentPage.ClientName)] = request.Application.DisplayName ?? request.Application.ClientId,
            [nameof(ConsentPage.Account)] = person.User.Email,
            [nameof(ConsentPage.Scopes)] = await ScopeWords.DescribeAsync(request.Scopes, scopes, cancellationToken),
            [nameof(ConsentPage.Asked)] = asked,
            [nameof(ConsentPage.Action)] = Path,
            [nameof(ConsentPage.Hidden)] = new Dictionary<string, string> { ["returnUrl"] = request.ReturnUrl },
            [nameof(ConsentPage.Antiforgery)] = antiforgery.GetAndStoreTokens(http),
        });
    }

    public static async Task<IResult> DecideAsync(
        [FromForm] ConsentForm posted, HttpContext http, AccountArea area, WardenDbContext db, IOpenIddictApplicationManager applications,
        IOpenIddictAuthorizationManager authorizations, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, Path + "?returnUrl=" + Uri.EscapeDataString(posted.ReturnUrl ?? ""));
        }

        if (await ReadAsync(http, posted.ReturnUrl, applications, cancellationToken) is not { } request)
        {
            return PageResults.NotFound();
        }

        if (posted.Decision != "allow")
        {
            return PageResults.SeeOther(QueryHelpers.AddQueryString(request.ReturnUrl, Authorize.ConsentDecisionParameter, Authorize.ConsentDenied));
        }

        await ClientConsent.GrantAsync(db, applications, authorizations, person.UserId, request.Application, request.Scopes, time.GetUtcNow(), cancellationToken);
        return PageResults.SeeOther(request.ReturnUrl);
    }

    private sealed record ConsentRequest(OidcApplication Application, string ReturnUrl, IReadOnlyList<string> Scopes);

    /// <summary>The authorization request behind <paramref name="returnUrl"/>, if it is one of a registered client to its registered redirect URI.</summary>
    private static async Task<ConsentRequest?> ReadAsync(HttpContext http, string? returnUrl, IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        if (returnUrl is null || returnUrl.Length > 4096 || !ReturnUrls.IsLocalPath(returnUrl))
        {
            return null;
        }

        var pathBase = http.Request.PathBase.Value ?? "";
        var local = pathBase.Length > 0 && returnUrl.StartsWith(pathBase + "/", StringComparison.Ordinal) ? returnUrl[pathBase.Length..] : returnUrl;
        var query = local.IndexOf('?', StringComparison.Ordinal);
        if (query < 0 || !local.AsSpan(0, query).SequenceEqual(OidcSetup.AuthorizePath))
        {
            return null;
        }

        var parameters = QueryHelpers.ParseQuery(local[query..]);
        string? clientId = parameters[Parameters.ClientId], redirectUri = parameters[Parameters.RedirectUri];
        if (clientId is null || redirectUri is null
            || await applications.FindByClientIdAsync(clientId, cancellationToken) is not OidcApplication application
            || !await applications.ValidateRedirectUriAsync(application, redirectUri, cancellationToken))
        {
            return null;
        }

        var scopes = ((string?)parameters[Parameters.Scope] ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new ConsentRequest(application, returnUrl, [.. scopes.Distinct(StringComparer.Ordinal)]);
    }
}
