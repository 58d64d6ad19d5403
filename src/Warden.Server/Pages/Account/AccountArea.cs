using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Warden.Server.Authentication;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authorization.Policies;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Pages.Layout;
using Warden.Server.Users;
using Warden.Policies;

namespace Warden.Server.Pages.Account;

/// <summary>The browser session of a signed-in page, with its user (loaded together by <see cref="AccountSession"/>).</summary>
public sealed record SignedInPerson(UserSession Session, User User)
{
    public Guid UserId => User.Id;
}

/// <summary>
/// What every page of the signed-in area needs: the person behind the cookie (else the sign-in page, coming back here
/// afterwards) and, before a sensitive change, a recent re-authentication on this very session — the one step-up of
/// <see cref="Reauthentication"/>, asked by <c>/account/reauthenticate</c>. The use cases check the step-up again
/// themselves (the window may lapse between the page and its post): their <c>reauthentication_required</c> answer
/// leads to the same page.
/// </summary>
public sealed class AccountArea(AccountSession account, Reauthentication reauthentication, AccessPolicy policy)
{
    public const string ReauthenticatePath = "/account/reauthenticate";

    public async Task<SignedInPerson?> PersonAsync(HttpContext http) =>
        await account.CurrentAsync(http) is { User: { } user } session ? new SignedInPerson(session, user) : null;

    /// <summary>To the sign-in page, which comes back to <paramref name="returnPath"/> (default: this page).</summary>
    public static IResult ToSignIn(HttpContext http, string? returnPath = null) =>
        PageResults.SeeOther("/account/login?returnUrl=" + Uri.EscapeDataString(returnPath ?? (http.Request.Path + http.Request.QueryString).ToString()));

    /// <summary>Whether a re-authentication on this session is recent enough for a sensitive change.</summary>
    public async Task<bool> IsRecentAsync(SignedInPerson person, CancellationToken cancellationToken) =>
        await reauthentication.CheckAsync(person.User, person.Session.Id, null, null, cancellationToken) is null;

    /// <summary>
    /// Whether the access rules (<c>Warden:Authorization:Rules</c>) let this person do <paramref name="action"/> on their own
    /// <paramref name="resourceType"/>, as they would decide for the API's bearer caller: the session stands for the token
    /// (its user and its authentication methods), so a deny rule applies on the pages too.
    /// </summary>
    public async Task<bool> MayAsync(SignedInPerson person, string action, string resourceType, HttpContext http)
    {
        var claims = new List<Claim> { new("sub", person.UserId.ToString()) };
        claims.AddRange(person.Session.Amr.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(m => new Claim("amr", m)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, AccountSession.PlainName, "sub", "roles"));
        return (await policy.EvaluateAsync(principal, action, new PolicyResource(resourceType, person.UserId), http)).IsAllowed;
    }

    /// <summary>What a page answers when the access rules refuse (403, as the API): nothing was changed.</summary>
    public static IResult Denied() =>
        PageResults.Message(new MessageModel("Refused.Title", "Refused.Text") { Links = [new PageLink(ReturnUrls.Home, "Link.Home")] }, StatusCodes.Status403Forbidden);

    /// <summary>To the re-authentication page, which comes back to <paramref name="returnPath"/>.</summary>
    public static IResult ToReauthenticate(string returnPath) =>
        PageResults.SeeOther(ReauthenticatePath + "?returnUrl=" + Uri.EscapeDataString(returnPath));

    /// <summary>A use case's answer that asks for a (new) re-authentication rather than naming a field.</summary>
    public static bool AsksReauthentication(object result) =>
        result is ProblemHttpResult { ProblemDetails.Extensions: var extensions }
        && extensions.TryGetValue("code", out var code) && code?.ToString() == ProblemCodes.ReauthenticationRequired;

    /// <summary>Where a page may send the browser back to after a step: a path under <c>/account</c> or the console's <c>/admin</c> only.</summary>
    public static string Back(string? returnUrl) =>
        returnUrl is not null && ReturnUrls.IsLocalPath(returnUrl) && returnUrl.Length <= 2048
        && (Under(returnUrl, ReturnUrls.Home) || Under(returnUrl, "/admin"))
            ? returnUrl
            : ReturnUrls.Home;

    private static bool Under(string path, string area) =>
        path == area || path.StartsWith(area + "/", StringComparison.Ordinal) || path.StartsWith(area + "?", StringComparison.Ordinal);
}
