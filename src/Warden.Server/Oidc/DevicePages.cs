using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Warden.Server.Authentication;
using Warden.Server.Pages;
using Warden.Server.Pages.Account;
using Warden.Server.Pages.Layout;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Server.Oidc;

/// <summary>
/// The device flow's page (RFC 8628 <c>verification_uri</c>, OpenIddict's end-user verification endpoint): the person
/// signs in, types the code their device shows, sees which application asks for what, and allows or denies it. A code
/// in the address (<c>verification_uri_complete</c>) only fills the field: nothing is approved without the person's
/// post, and every post that presents a code counts against the per-IP limit of the pages and against
/// <c>Warden:RateLimits:DeviceCodePerAccountPerMinute</c> for the account. The approved grant is the browser session's,
/// as an authorization request's is (it ends with the session, an <c>offline_access</c> grant aside).
/// </summary>
public static class DevicePages
{
    public const string Path = "/account/device";

    public static async Task<IResult> ShowAsync(HttpContext http, string? done, [FromQuery(Name = "user_code")] string? userCode, AccountArea area)
    {
        if (await area.PersonAsync(http) is null)
        {
            return AccountArea.ToSignIn(http);
        }

        return done switch
        {
            "approved" => PageResults.Message(new MessageModel("Device.Approved.Title", "Device.Approved.Text")),
            "denied" => PageResults.Message(new MessageModel("Device.Denied.Title", "Device.Denied.Text")),
            _ => PageResults.Form(http, CodeForm(userCode, null)),
        };
    }

    public static async Task<IResult> PostAsync(
        [FromForm(Name = "user_code")] string? userCode, [FromForm] string? decision, HttpContext http, AccountArea area, DeviceCodeRateLimiter limiter, OidcPrincipals principals,
        IOpenIddictApplicationManager applications, IOpenIddictAuthorizationManager authorizations, IOpenIddictScopeManager scopes,
        IAntiforgery antiforgery, IStringLocalizer<Strings> strings, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, Path);
        }

        using (var lease = await limiter.AcquireAsync(person.UserId, cancellationToken))
        {
            if (!lease.IsAcquired)
            {
                var limited = PageResults.Form(http, CodeForm(userCode, strings["Device.TooMany"].Value));
                limited.StatusCode = StatusCodes.Status429TooManyRequests;
                return limited;
            }
        }

        // OpenIddict read the code from the form and answers whether it names a device request waiting for approval.
        var pending = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (!pending.Succeeded || pending.Principal.GetClaim(Claims.ClientId) is not { } clientId
            || await applications.FindByClientIdAsync(clientId, cancellationToken) is not OidcApplication application)
        {
            return PageResults.Form(http, CodeForm(userCode, strings["Device.Invalid"].Value));
        }

        var requested = pending.Principal.GetScopes();
        switch (decision)
        {
            case "allow":
                var principal = await principals.ForUserAsync(person.User, person.Session, requested, cancellationToken);
                principal.SetAuthorizationId(await OidcSessionGrants.CreateAsync(
                    authorizations, principal, application.Id.ToString(), person.UserId, person.Session.Id, time.GetUtcNow(), cancellationToken));
                return Results.SignIn(principal, new AuthenticationProperties { RedirectUri = http.Request.PathBase + Path + "?done=approved" },
                    OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            case "deny":
                // The device's next poll answers access_denied.
                return Results.Forbid(new AuthenticationProperties { RedirectUri = http.Request.PathBase + Path + "?done=denied" },
                    [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
            default:
                return new RazorComponentResult<ConsentPage>(new Dictionary<string, object?>
                {
                    [nameof(ConsentPage.ClientName)] = application.DisplayName ?? application.ClientId,
                    [nameof(ConsentPage.Account)] = person.User.Email,
                    [nameof(ConsentPage.Scopes)] = await ScopeWords.DescribeAsync(requested, scopes, cancellationToken),
                    [nameof(ConsentPage.Asked)] = requested,
                    [nameof(ConsentPage.Action)] = Path,
                    [nameof(ConsentPage.Hidden)] = new Dictionary<string, string> { ["user_code"] = userCode ?? "" },
                    [nameof(ConsentPage.Warning)] = strings["Device.Warning", userCode ?? ""].Value,
                    [nameof(ConsentPage.Antiforgery)] = antiforgery.GetAndStoreTokens(http),
                });
        }
    }

    private static FormModel CodeForm(string? userCode, string? error) =>
        new("Device.Title", Path, "Device.Continue", [new FormField("user_code", "Device.Code", Value: userCode, Autocomplete: "off", Hint: "Device.CodeHint")])
        {
            Intro = "Device.Intro",
            Errors = error is null ? PageErrors.None : new PageErrors(null, new Dictionary<string, string[]> { ["user_code"] = [error] }),
        };
}
