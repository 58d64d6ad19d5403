using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication;
using Warden.Server.Authentication.Login;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authentication.TwoFactor;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Pages.Layout;
using Warden.Server.Passwords;
using Warden.Server.Users;

namespace Warden.Server.Pages.SignIn;

public sealed class LoginForm
{
    public string? Login { get; set; }
    public string? Password { get; set; }
    public bool RememberMe { get; set; }
    public string? ReturnUrl { get; set; }
}

public sealed class CodeForm
{
    public string? ChallengeToken { get; set; }
    public string? Code { get; set; }
    public string? Methods { get; set; }
    public string? ReturnUrl { get; set; }
}

public sealed class ExpiredPasswordForm
{
    public string? ChallengeToken { get; set; }
    public string? NewPassword { get; set; }
    public string? ReturnUrl { get; set; }
}

/// <summary>
/// Sign-in in the browser: the password step (<see cref="Login.CheckPasswordAsync"/>), then whatever
/// <see cref="Login.ChallengeAfterPasswordAsync"/> says is due (second factor, then an expired password), through the
/// same code as the API, on a session of client <see cref="SessionClients.Browser"/>. Between steps the browser holds
/// only the challenge token, in the form (nothing in server memory; any node continues the flow). The last step
/// issues a new cookie secret.
/// </summary>
public static class SignInPages
{
    public static async Task<IResult> Login(HttpContext http, AccountSession account, ReturnUrls returnUrls, WardenDbContext db, string? returnUrl, string? prompt)
    {
        // prompt=login: an OpenID Connect client asked for a fresh sign-in, so a signed-in browser is asked again.
        if (await account.CurrentAsync(http) is not null && prompt != "login")
        {
            return PageResults.SeeOther(returnUrls.Resolve(returnUrl));
        }

        return PageResults.Form(http, LoginModel(http, new LoginForm { ReturnUrl = returnUrl }, PageErrors.None) with
        {
            External = await ExternalButtons.ForSignInAsync(db, returnUrl, http.RequestAborted),
        });
    }

    public static async Task<IResult> LoginAsync(
        [FromForm] LoginForm posted, HttpContext http, WardenDbContext db, UserManager<User> users, IPasswordHasher<User> hasher,
        DummyPasswordHash dummyHash, LoginThrottle throttle, CredentialStuffingGuard stuffing, LoginRateLimiter rateLimiter, SignInCompletion completion, LoginChallenges challenges,
        ExpiredPassword expiredPassword, ReturnUrls returnUrls, TimeProvider time, IOptions<AuthenticationOptions> options, CancellationToken cancellationToken)
    {
        var identifier = posted.Login?.Trim();
        var byEmail = identifier?.Contains('@', StringComparison.Ordinal) == true;
        var request = new LoginRequest(byEmail ? identifier : null, byEmail ? null : identifier, posted.Password, posted.RememberMe);
        var step = await Authentication.Login.Login.CheckPasswordAsync(request, http, db, users, hasher, dummyHash, throttle, stuffing, rateLimiter, time, options, cancellationToken);
        if (step.User is not { } user)
        {
            var errors = PageErrors.From((object?)step.Invalid ?? step.Problem!, new Dictionary<string, string> { ["email"] = "login" });
            return PageResults.Form(http, LoginModel(http, posted, errors) with
            {
                Links = LoginLinks(http, errors.Code),
                External = await ExternalButtons.ForSignInAsync(db, posted.ReturnUrl, cancellationToken),
            });
        }

        var challenge = await Authentication.Login.Login.ChallengeAfterPasswordAsync(
            user, posted.RememberMe, SessionClients.Browser, http, challenges, expiredPassword, time, cancellationToken);
        if (challenge is null)
        {
            return SignedIn(http, await completion.CompleteBrowserAsync(user, posted.RememberMe, "pwd", http, cancellationToken), returnUrls, posted.ReturnUrl);
        }

        return challenge.Requires2fa == true
            ? PageResults.Form(http, CodeModel(challenge.ChallengeToken, string.Join(' ', challenge.Methods ?? []), posted.ReturnUrl, PageErrors.None))
            : PageResults.Form(http, ExpiredModel(challenge.ChallengeToken, posted.ReturnUrl, PageErrors.None));
    }

    public static async Task<IResult> SecondFactorAsync(
        [FromForm] CodeForm posted, HttpContext http, WardenDbContext db, LoginChallenges challenges, LoginThrottle throttle, SecondFactorVerifier verifier,
        SignInCompletion completion, ExpiredPassword expiredPassword, SessionCache sessionCache, ReturnUrls returnUrls, TimeProvider time,
        IOptions<AuthenticationOptions> options, CancellationToken cancellationToken)
    {
        var step = await LoginSecondFactor.VerifyCodeAsync(new VerifySecondFactorRequest(posted.ChallengeToken, posted.Code?.Trim()), SessionClients.Browser,
            http, db, challenges, throttle, verifier, expiredPassword, time, options, cancellationToken);
        return await AfterSecondFactorAsync(http, step, posted.ChallengeToken, posted.Methods, posted.ReturnUrl, completion, sessionCache, returnUrls, cancellationToken);
    }

    /// <summary>
    /// The page after a second step, whichever factor it checked (a code, a passkey): signed in, the expired-password
    /// step, the code form again after a wrong answer, or the sign-in form when the challenge is gone.
    /// </summary>
    internal static async Task<IResult> AfterSecondFactorAsync(
        HttpContext http, LoginSecondFactor.CodeStep step, string? challengeToken, string? methods, string? returnUrl, SignInCompletion completion,
        SessionCache sessionCache, ReturnUrls returnUrls, CancellationToken cancellationToken)
    {
        if (step.User is null)
        {
            var errors = PageErrors.From((object?)step.Invalid ?? step.Problem!);
            return errors.Code is ProblemCodes.InvalidCode or ProblemCodes.PasskeyRejected || step.Invalid is not null
                ? PageResults.Form(http, CodeModel(challengeToken ?? "", methods, returnUrl, errors))
                : PageResults.Form(http, LoginModel(http, new LoginForm { ReturnUrl = returnUrl }, errors));
        }

        if (step.PasswordChange is { } passwordChange)
        {
            return PageResults.Form(http, ExpiredModel(passwordChange.ChallengeToken, returnUrl, PageErrors.None));
        }

        var signIn = await completion.ActivateBrowserAsync(step.User, step.Session!, step.Amr!, cancellationToken);
        sessionCache.Forget(step.Session!.Id);
        return SignedIn(http, signIn, returnUrls, returnUrl);
    }

    /// <summary>"Send the code again" (SMS or email), through the API's <see cref="LoginSecondFactor.SendAsync"/>.</summary>
    public static async Task<IResult> SendCodeAsync(
        [FromForm] CodeForm posted, string method, HttpContext http, WardenDbContext db, LoginChallenges challenges, IOptions<TwoFactorOptions> options,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var answer = await LoginSecondFactor.SendAsync(new SendCodeRequest(posted.ChallengeToken, method), http, db, challenges, options, time, cancellationToken);
        var model = CodeModel(posted.ChallengeToken ?? "", posted.Methods, posted.ReturnUrl, answer.Result is Accepted ? PageErrors.None : PageErrors.From(answer.Result));
        return PageResults.Form(http, answer.Result is Accepted ? model with { Notice = "SecondFactor.Sent" } : model);
    }

    public static async Task<IResult> ExpiredPasswordAsync(
        [FromForm] ExpiredPasswordForm posted, HttpContext http, WardenDbContext db, PasswordChangingUserManager users, LoginChallenges challenges,
        SignInCompletion completion, SessionRevocation revocation, ReturnUrls returnUrls, TimeProvider time, CancellationToken cancellationToken)
    {
        var step = await ExpiredPassword.ReplaceAsync(new ChangeExpiredPasswordRequest(posted.ChallengeToken, posted.NewPassword), SessionClients.Browser,
            db, users, challenges, revocation, time, cancellationToken);
        if (step.User is null)
        {
            var errors = PageErrors.From((object?)step.Invalid ?? step.Problem!);
            return errors.Code == ProblemCodes.TokenInvalid
                ? PageResults.Form(http, LoginModel(http, new LoginForm { ReturnUrl = posted.ReturnUrl }, errors))
                : PageResults.Form(http, ExpiredModel(posted.ChallengeToken ?? "", posted.ReturnUrl, errors));
        }

        return SignedIn(http, await completion.ActivateBrowserAsync(step.User, step.Session!, step.Session!.Amr, cancellationToken), returnUrls, posted.ReturnUrl);
    }

    /// <summary>Sign-out is a post (a link or an image could not sign anyone out), ending this browser session only.</summary>
    public static async Task<IResult> LogoutAsync(
        [FromForm] EmptyForm posted, HttpContext http, AccountSession account, WardenDbContext db, SessionRevocation revocation, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (await account.CurrentAsync(http) is { } session)
        {
            await Logout.EndAsync(session.UserId, session.Id, db, revocation, time, cancellationToken);
        }

        AccountSession.SignOut(http);
        return PageResults.SeeOther("/account/login");
    }

    internal static IResult SignedIn(HttpContext http, BrowserSignIn signIn, ReturnUrls returnUrls, string? returnUrl)
    {
        AccountSession.SignIn(http, signIn);
        return PageResults.SeeOther(returnUrls.Resolve(returnUrl));
    }

    /// <summary>"Create an account" only while people may (<c>Warden:Authentication:OpenRegistration</c>).</summary>
    private static IReadOnlyList<PageLink> LoginLinks(HttpContext http, string? problem) => problem == ProblemCodes.EmailNotVerified
        ? [new PageLink("/account/resend-verification", "Link.Resend")]
        : Registration.RegistrationPages.IsOpen(http)
            ? [new PageLink("/account/forgot-password", "Link.Forgot"), new PageLink("/account/register", "Link.Register")]
            : [new PageLink("/account/forgot-password", "Link.Forgot")];

    private static Dictionary<string, string> Carry(string? returnUrl, params (string Name, string? Value)[] values)
    {
        var hidden = values.Where(v => v.Value is not null).ToDictionary(v => v.Name, v => v.Value!);
        if (!string.IsNullOrEmpty(returnUrl))
        {
            hidden["returnUrl"] = returnUrl;
        }

        return hidden;
    }

    internal static FormModel LoginModel(HttpContext http, LoginForm form, PageErrors errors) =>
        new("Login.Title", "/account/login", "Login.Submit",
        [
            new FormField("login", "Field.Login", Value: form.Login, Autocomplete: "username"),
            new FormField("password", "Field.Password", "password", Autocomplete: "current-password"),
        ])
        {
            RememberMe = true,
            Hidden = Carry(form.ReturnUrl),
            Errors = errors,
            Links = LoginLinks(http, null),
            Passkey = new PasskeyButtonModel("Passkey.SignIn", "/account/login/passkey/options", "/account/login/passkey", Create: false) { Hidden = Carry(form.ReturnUrl) },
        };

    internal static FormModel CodeModel(string challengeToken, string? methods, string? returnUrl, PageErrors errors)
    {
        var offered = (methods ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new FormModel("SecondFactor.Title", "/account/login/second-factor", "SecondFactor.Submit",
            [new FormField("code", "Field.Code", Autocomplete: "one-time-code", Hint: "Field.Code.Hint")])
        {
            Intro = "SecondFactor.Intro",
            Hidden = Carry(returnUrl, ("challengeToken", challengeToken), ("methods", methods)),
            Errors = errors,
            ExtraButtons =
            [
                .. offered.Contains(SecondFactorMethods.Sms) ? [new ExtraButton("SecondFactor.SendSms", "/account/login/send-code/sms")] : Array.Empty<ExtraButton>(),
                .. offered.Contains(SecondFactorMethods.Email) ? [new ExtraButton("SecondFactor.SendEmail", "/account/login/send-code/email")] : Array.Empty<ExtraButton>(),
            ],
            Links = [new PageLink("/account/login", "Link.StartOver")],
            Passkey = offered.Contains(SecondFactorMethods.Passkey)
                ? new PasskeyButtonModel("Passkey.SecondFactor", "/account/login/second-factor/passkey/options", "/account/login/second-factor/passkey", Create: false)
                {
                    Hidden = Carry(returnUrl, ("challengeToken", challengeToken), ("methods", methods)),
                }
                : null,
        };
    }

    private static FormModel ExpiredModel(string challengeToken, string? returnUrl, PageErrors errors) =>
        new("Expired.Title", "/account/login/password", "Expired.Submit", [new FormField("newPassword", "Field.NewPassword", "password", Autocomplete: "new-password")])
        {
            Intro = "Expired.Intro",
            Hidden = Carry(returnUrl, ("challengeToken", challengeToken)),
            Errors = errors,
        };
}

/// <summary>A form with nothing but its antiforgery token (sign-out): bound from the form so the token is checked.</summary>
public sealed class EmptyForm
{
}
