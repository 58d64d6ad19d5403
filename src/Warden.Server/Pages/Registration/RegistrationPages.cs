using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication;
using Warden.Server.Authentication.EmailVerification;
using Warden.Server.Authentication.Registration;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages.Layout;
using Warden.Server.Users;

namespace Warden.Server.Pages.Registration;

public sealed class RegisterForm
{
    public string? FullName { get; set; }
    public string? Email { get; set; }
    public string? Username { get; set; }
    public string? Password { get; set; }
}

public sealed class VerifyEmailForm
{
    public string? Token { get; set; }
    public string? Password { get; set; }
}

public sealed class EmailForm
{
    public string? Email { get; set; }
}

/// <summary>
/// Sign-up, the verification link and a new link: each post runs the API's own use case (<see cref="Register"/>,
/// <see cref="VerifyEmail"/>, <see cref="ResendVerification"/>) and shows its answer. Verification never signs in.
/// With registration closed (<c>Warden:Authentication:OpenRegistration</c>) the sign-up page says so and takes nothing.
/// </summary>
public static class RegistrationPages
{
    public static RazorComponentResult Register(HttpContext http, IOptions<AuthenticationOptions> options) =>
        options.Value.OpenRegistration ? PageResults.Form(http, RegisterModel(new RegisterForm(), PageErrors.None)) : Closed();

    public static async Task<IResult> RegisterAsync(
        [FromForm] RegisterForm posted, HttpContext http, WardenDbContext db, UserManager<User> users, TimeProvider time,
        IOptions<AuthenticationOptions> options, CancellationToken cancellationToken)
    {
        if (!options.Value.OpenRegistration)
        {
            return Closed();
        }

        var answer = await Authentication.Registration.Register.HandleAsync(
            new RegisterRequest(posted.Email, posted.Password, posted.Username, posted.FullName, null, null), db, users, time, options, cancellationToken);
        return answer.Result is Created<RegisteredUser>
            ? PageResults.SeeOther("/account/check-email")
            : PageResults.Form(http, RegisterModel(posted, PageErrors.From(answer.Result)));
    }

    /// <summary>Registration is closed: said on the sign-up page and after an external sign-in with a new address.</summary>
    public static RazorComponentResult Closed() =>
        PageResults.Message(new MessageModel("Register.Closed.Title", "Register.Closed.Text") { Links = [new PageLink("/account/login", "Link.Login")] },
            StatusCodes.Status403Forbidden);

    /// <summary>Whether the sign-in page offers "Create an account".</summary>
    public static bool IsOpen(HttpContext http) =>
        http.RequestServices.GetRequiredService<IOptions<AuthenticationOptions>>().Value.OpenRegistration;

    public static RazorComponentResult CheckEmail() =>
        PageResults.Message(new MessageModel("CheckEmail.Title", "CheckEmail.Text")
        {
            Links = [new PageLink("/account/resend-verification", "Link.Resend"), new PageLink("/account/login", "Link.Login")],
        });

    private static FormModel RegisterModel(RegisterForm form, PageErrors errors) =>
        new("Register.Title", "/account/register", "Register.Submit",
        [
            new FormField("fullName", "Field.FullName", Value: form.FullName, Autocomplete: "name"),
            new FormField("email", "Field.Email", "email", form.Email, "email"),
            new FormField("username", "Field.Username", Value: form.Username, Autocomplete: "username", Required: false, Hint: "Field.Username.Hint"),
            new FormField("password", "Field.NewPassword", "password", Autocomplete: "new-password"),
        ])
        {
            Errors = errors,
            Links = [new PageLink("/account/login", "Link.Login")],
        };

    /// <summary>The emailed link shows this form; only its post spends the token (a scanner fetching the link spends nothing).</summary>
    public static IResult VerifyEmailForm(HttpContext http, string? token) =>
        OpaqueToken.LooksValid(token) ? PageResults.Form(http, VerifyModel(token!, PageErrors.None)) : PageResults.ExpiredLink("/account/resend-verification", "Link.Resend");

    public static async Task<IResult> VerifyEmailAsync(
        [FromForm] VerifyEmailForm posted, HttpContext http, WardenDbContext db, AccountTokens tokens, UserManager<User> users, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var answer = await VerifyEmail.HandleAsync(new VerifyEmailRequest(posted.Token, posted.Password), db, tokens, users, time, cancellationToken);
        if (answer.Result is Ok<VerifiedEmail>)
        {
            return PageResults.Message(new MessageModel("Verified.Title", "Verified.Text") { Links = [new PageLink("/account/login", "Link.Login")] });
        }

        // A wrong password and a dead link answer alike (VerifyEmail says why): the page keeps the posted and offers a new link.
        return PageResults.Form(http, VerifyModel(posted.Token ?? "", PageErrors.From(answer.Result)) with
        {
            Links = [new PageLink("/account/resend-verification", "Link.Resend")],
        });
    }

    private static FormModel VerifyModel(string token, PageErrors errors) =>
        new("Verify.Title", "/account/verify-email", "Verify.Submit", [new FormField("password", "Field.RegistrationPassword", "password", Autocomplete: "current-password")])
        {
            Intro = "Verify.Intro",
            Hidden = new Dictionary<string, string> { ["token"] = token },
            Errors = errors,
        };

    public static RazorComponentResult Resend(HttpContext http) => PageResults.Form(http, ResendModel(new EmailForm(), PageErrors.None));

    public static async Task<IResult> ResendAsync(
        [FromForm] EmailForm posted, HttpContext http, WardenDbContext db, UserManager<User> users, TimeProvider time, CancellationToken cancellationToken)
    {
        var answer = await ResendVerification.HandleAsync(new ResendVerificationRequest(posted.Email), db, users, time, cancellationToken);
        return answer.Result is Accepted
            ? PageResults.SeeOther("/account/check-email")
            : PageResults.Form(http, ResendModel(posted, PageErrors.From(answer.Result)));
    }

    private static FormModel ResendModel(EmailForm form, PageErrors errors) =>
        new("Resend.Title", "/account/resend-verification", "Resend.Submit", [new FormField("email", "Field.Email", "email", form.Email, "email")])
        {
            Intro = "Resend.Intro",
            Errors = errors,
        };
}
