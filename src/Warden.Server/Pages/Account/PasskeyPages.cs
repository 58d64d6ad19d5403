using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication;
using Warden.Server.Authentication.Login;
using Warden.Server.Authentication.Passkeys;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages.Layout;
using Warden.Server.Pages.SignIn;
using Warden.Server.Users;

namespace Warden.Server.Pages.Account;

public sealed class PasskeyForm
{
    public string? Credential { get; set; }
    public string? Name { get; set; }
    public string? Id { get; set; }
    public string? ReturnUrl { get; set; }
    public string? ChallengeToken { get; set; }
    public string? Methods { get; set; }
}

/// <summary>
/// Passkeys on the pages, through the API's own use cases (<see cref="PasskeySignIn"/>, <see cref="PasskeyRegistration"/>,
/// <see cref="PasskeyManagement"/>) on the browser session. The options are fetched by passkeys.js with a form post (so the
/// antiforgery token is checked) and answered as JSON; the credential comes back in an ordinary form post.
/// </summary>
public static class PasskeyPages
{
    public static async Task<IResult> SignInOptionsAsync(
        [FromForm] PasskeyForm posted, HttpContext http, PasskeyRelyingParty relyingParty, PasskeyCeremonies ceremonies, CancellationToken cancellationToken) =>
        Json((await PasskeySignIn.OptionsAsync(http, relyingParty, ceremonies, cancellationToken)).Result);

    public static async Task<IResult> SignInAsync(
        [FromForm] PasskeyForm posted, HttpContext http, WardenDbContext db, PasskeyRelyingParty relyingParty, PasskeyCeremonies ceremonies,
        SignInCompletion completion, ReturnUrls returnUrls, TimeProvider time, CancellationToken cancellationToken)
    {
        var step = await PasskeySignIn.CheckAsync(Parse(posted.Credential), http, db, relyingParty, ceremonies, time, cancellationToken);
        if (step.User is not { } user)
        {
            var errors = PageErrors.From((object?)step.Invalid ?? step.Problem!);
            return PageResults.Form(http, SignInPages.LoginModel(http, new LoginForm { ReturnUrl = posted.ReturnUrl }, errors));
        }

        return SignInPages.SignedIn(http, await completion.CompleteBrowserAsync(user, false, step.Amr!, http, cancellationToken), returnUrls, posted.ReturnUrl);
    }

    /// <summary>A passkey in place of a code at the sign-in's second step: the page's challenge, on a browser session.</summary>
    public static async Task<IResult> SecondFactorOptionsAsync(
        [FromForm] PasskeyForm posted, HttpContext http, WardenDbContext db, LoginChallenges challenges, PasskeyRelyingParty relyingParty,
        PasskeyCeremonies ceremonies, CancellationToken cancellationToken) =>
        Json((await PasskeySecondFactor.BeginAsync(posted.ChallengeToken, SessionClients.Browser, http, db, challenges, relyingParty, ceremonies, cancellationToken)).Result);

    public static async Task<IResult> SecondFactorAsync(
        [FromForm] PasskeyForm posted, HttpContext http, WardenDbContext db, LoginChallenges challenges, LoginThrottle throttle, PasskeyCeremonies ceremonies,
        SignInCompletion completion, ExpiredPassword expiredPassword, SessionCache sessionCache, ReturnUrls returnUrls, TimeProvider time,
        IOptions<AuthenticationOptions> options, CancellationToken cancellationToken)
    {
        var step = await PasskeySecondFactor.CheckAsync(new PasskeySecondFactorRequest(posted.ChallengeToken, Parse(posted.Credential)), SessionClients.Browser,
            http, db, challenges, throttle, ceremonies, expiredPassword, time, options, cancellationToken);
        return await SignInPages.AfterSecondFactorAsync(http, step, posted.ChallengeToken, posted.Methods, posted.ReturnUrl, completion, sessionCache, returnUrls, cancellationToken);
    }

    /// <summary>"Confirm it is you" with a passkey that asks for the PIN or biometrics: a fresh proof on this session.</summary>
    public static async Task<IResult> ReauthenticateOptionsAsync(
        [FromForm] PasskeyForm posted, HttpContext http, AccountArea area, WardenDbContext db, PasskeyRelyingParty relyingParty, PasskeyCeremonies ceremonies,
        CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return TypedResults.Json(new { redirect = "/account/login?returnUrl=" + Uri.EscapeDataString(AccountArea.ReauthenticatePath) });
        }

        return Json((await PasskeyReauthentication.BeginAsync(person.UserId, person.Session.Id, http, db, relyingParty, ceremonies, cancellationToken)).Result);
    }

    public static async Task<IResult> ReauthenticateAsync(
        [FromForm] PasskeyForm posted, HttpContext http, AccountArea area, WardenDbContext db, LoginThrottle throttle, Reauthentication reauthentication,
        PasskeyRelyingParty relyingParty, PasskeyCeremonies ceremonies, CancellationToken cancellationToken)
    {
        var back = AccountArea.Back(posted.ReturnUrl);
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, AccountArea.ReauthenticatePath + "?returnUrl=" + Uri.EscapeDataString(back));
        }

        var answer = await PasskeyReauthentication.FinishAsync(person.UserId, person.Session.Id, new PasskeyReauthenticationRequest(Parse(posted.Credential)),
            http, throttle, reauthentication, relyingParty, ceremonies, cancellationToken);
        return answer.Result is NoContent
            ? await ReauthenticatePages.ConfirmedAsync(http, db, person.Session, back, cancellationToken)
            : await ReauthenticatePages.FormAsync(http, db, person.UserId, back, PageErrors.From(answer.Result), cancellationToken);
    }

    /// <summary>Options to add a passkey; without a recent re-authentication, where to go for one (the script follows).</summary>
    public static async Task<IResult> RegistrationOptionsAsync(
        [FromForm] PasskeyForm posted, HttpContext http, AccountArea area, WardenDbContext db, Reauthentication reauthentication,
        PasskeyRelyingParty relyingParty, PasskeyCeremonies ceremonies, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return TypedResults.Json(new { redirect = "/account/login?returnUrl=" + Uri.EscapeDataString(SecurityPages.Path) });
        }

        var answer = await PasskeyRegistration.BeginAsync(person.UserId, person.Session.Id, null, http, db, reauthentication, relyingParty, ceremonies, cancellationToken);
        return AccountArea.AsksReauthentication(answer.Result)
            ? TypedResults.Json(new { redirect = AccountArea.ReauthenticatePath + "?returnUrl=" + Uri.EscapeDataString(SecurityPages.Path) })
            : Json(answer.Result);
    }

    public static async Task<IResult> RegisterAsync(
        [FromForm] PasskeyForm posted, HttpContext http, AccountArea area, WardenDbContext db, UserManager<User> users,
        PasskeyRelyingParty relyingParty, PasskeyCeremonies ceremonies, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, SecurityPages.Path);
        }

        var answer = await PasskeyRegistration.FinishAsync(person.UserId, person.Session.Id, new PasskeyRegistrationRequest(Parse(posted.Credential), posted.Name),
            http, db, users, relyingParty, ceremonies, time, cancellationToken);
        return answer.Result is Created<PasskeyView> ? PageResults.SeeOther(SecurityPages.Path + "?done=passkey-added") : Refused(answer.Result);
    }

    public static async Task<IResult> RenameAsync(
        [FromForm] PasskeyForm posted, HttpContext http, AccountArea area, UserManager<User> users)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, SecurityPages.Path);
        }

        var answer = await PasskeyManagement.RenameForAsync(person.UserId, posted.Id ?? "", new RenamePasskeyRequest(posted.Name), users);
        return answer.Result is Ok<PasskeyView> ? PageResults.SeeOther(SecurityPages.Path + "?done=passkey-renamed") : Refused(answer.Result);
    }

    public static async Task<IResult> RemoveAsync(
        [FromForm] PasskeyForm posted, HttpContext http, AccountArea area, WardenDbContext db, UserManager<User> users, Reauthentication reauthentication,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, SecurityPages.Path);
        }

        var answer = await PasskeyManagement.RemoveForAsync(person.UserId, person.Session.Id, posted.Id ?? "", null, db, users, reauthentication, time, cancellationToken);
        return answer.Result switch
        {
            NoContent => PageResults.SeeOther(SecurityPages.Path + "?done=passkey-removed"),
            var other when AccountArea.AsksReauthentication(other) => AccountArea.ToReauthenticate(SecurityPages.Path),
            var other => Refused(other),
        };
    }

    private static JsonElement? Parse(string? credential)
    {
        if (string.IsNullOrEmpty(credential) || credential.Length > PasskeyCeremonies.MaxCredentialLength)
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(credential).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The options as JSON for the script, or the problem (the script shows that the passkey step failed).</summary>
    private static IResult Json(IResult result) => result switch
    {
        Ok<PasskeyOptionsResponse> ok => TypedResults.Json(new { options = ok.Value!.Options }),
        ProblemHttpResult problem => TypedResults.Json(new { title = problem.ProblemDetails.Title }, statusCode: problem.StatusCode),
        _ => TypedResults.Json(new { title = "Refused." }, statusCode: StatusCodes.Status400BadRequest),
    };

    private static RazorComponentResult Refused(object result)
    {
        var errors = PageErrors.From(result);
        return PageResults.Message(new MessageModel("Passkey.Refused", "Passkey.RefusedText")
        {
            Detail = errors.Summary ?? string.Join(" ", errors.Fields.Values.SelectMany(v => v)),
            Links = [new PageLink(SecurityPages.Path, "Link.Back")],
        }, StatusCodes.Status400BadRequest);
    }
}
