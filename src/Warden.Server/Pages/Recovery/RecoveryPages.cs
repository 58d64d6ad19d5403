using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication.PasswordReset;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Pages.Registration;
using Warden.Server.Pages.Layout;
using Warden.Server.Passwords;
using Warden.Server.Users;

namespace Warden.Server.Pages.Recovery;

public sealed class SetPasswordForm
{
    public string? Token { get; set; }
    public string? NewPassword { get; set; }
}

/// <summary>
/// A forgotten password, the reset link and an administrator's invitation, through the API's
/// <see cref="ForgotPassword"/> and <see cref="ResetPassword"/>. Setting a password never signs in: the person signs in
/// afterwards like anyone else, second factor included.
/// </summary>
public static class RecoveryPages
{
    public static RazorComponentResult Forgot(HttpContext http) => PageResults.Form(http, ForgotModel(new EmailForm(), PageErrors.None));

    public static async Task<IResult> ForgotAsync(
        [FromForm] EmailForm posted, HttpContext http, WardenDbContext db, UserManager<User> users, TimeProvider time,
        IOptions<PasswordLifecycleOptions> options, CancellationToken cancellationToken)
    {
        var answer = await ForgotPassword.HandleAsync(new ForgotPasswordRequest(posted.Email), db, users, time, options, cancellationToken);
        return answer.Result is Accepted
            ? PageResults.Message(new MessageModel("ForgotSent.Title", "ForgotSent.Text") { Links = [new PageLink("/account/login", "Link.Login")] })
            : PageResults.Form(http, ForgotModel(posted, PageErrors.From(answer.Result)));
    }

    private static FormModel ForgotModel(EmailForm form, PageErrors errors) =>
        new("Forgot.Title", "/account/forgot-password", "Forgot.Submit", [new FormField("email", "Field.Email", "email", form.Email, "email")])
        {
            Intro = "Forgot.Intro",
            Errors = errors,
            Links = [new PageLink("/account/login", "Link.Login")],
        };

    /// <summary>Which page: a reset and an invitation share the use case but not their words.</summary>
    public sealed record Kind(string Path, string Title, string Intro, string Submit, string Done, string Again, string AgainLabel);

    public static readonly Kind Reset = new("/account/reset-password", "Reset.Title", "Reset.Intro", "Reset.Submit", "ResetDone.Text", "/account/forgot-password", "Link.Forgot");
    public static readonly Kind Invitation = new("/account/invitation", "Invitation.Title", "Invitation.Intro", "Invitation.Submit", "InvitationDone.Text", "/account/forgot-password", "Link.Forgot");

    public static IResult Show(Kind kind, HttpContext http, string? token) =>
        OpaqueToken.LooksValid(token) ? PageResults.Form(http, Model(kind, token!, PageErrors.None)) : PageResults.ExpiredLink(kind.Again, kind.AgainLabel);

    public static async Task<IResult> SetAsync(
        Kind kind, SetPasswordForm form, HttpContext http, WardenDbContext db, PasswordChangingUserManager users, AccountTokens tokens,
        SessionRevocation revocation, TimeProvider time, CancellationToken cancellationToken)
    {
        var answer = await ResetPassword.HandleAsync(new ResetPasswordRequest(form.Token, form.NewPassword), db, users, tokens, revocation, time, cancellationToken);
        if (answer.Result is Ok<PasswordResetResult>)
        {
            return PageResults.Message(new MessageModel("PasswordSet.Title", kind.Done) { Links = [new PageLink("/account/login", "Link.Login")] });
        }

        var errors = PageErrors.From(answer.Result);
        return errors.Code == ProblemCodes.TokenInvalid
            ? PageResults.ExpiredLink(kind.Again, kind.AgainLabel)
            : PageResults.Form(http, Model(kind, form.Token ?? "", errors));
    }

    private static FormModel Model(Kind kind, string token, PageErrors errors) =>
        new(kind.Title, kind.Path, kind.Submit, [new FormField("newPassword", "Field.NewPassword", "password", Autocomplete: "new-password")])
        {
            Intro = kind.Intro,
            Hidden = new Dictionary<string, string> { ["token"] = token },
            Errors = errors,
        };
}
