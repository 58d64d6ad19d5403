using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication;
using Microsoft.AspNetCore.Identity;
using Warden.Server.Authentication.Passkeys;
using Warden.Server.Authentication.PasswordChange;
using Warden.Server.Users;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authentication.TwoFactor;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Pages.Layout;
using Warden.Server.Pages.SignIn;
using Warden.Server.Passwords;

namespace Warden.Server.Pages.Account;

public sealed class CodeOnlyForm
{
    public string? Code { get; set; }
}

public sealed class RecoveryCodesForm
{
    public string? Codes { get; set; }
}

public sealed class NewPasswordForm
{
    public string? NewPassword { get; set; }
}

/// <summary>
/// The security page: the password, the authenticator (its QR code inline as SVG and its secret as text), recovery codes
/// (shown once, to download or print) and turning two-factor authentication off — each through the API's own use case
/// (<see cref="ChangePassword"/>, <see cref="TotpEnrollment"/>, <see cref="TwoFactorManagement"/>) with the session's
/// step-up standing for the proof the API asks with each request.
/// </summary>
public static class SecurityPages
{
    public const string Path = "/account/security";

    /// <summary>What a finished change says when the page is shown again (<c>?done=</c>); unknown values say nothing.</summary>
    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["password"] = "Security.Done.Password",
        ["two-factor-off"] = "Security.Done.TwoFactorOff",
        ["phone"] = "Security.Done.Phone",
        ["phone-removed"] = "Security.Done.PhoneRemoved",
        ["sms-on"] = "Security.Done.SmsOn",
        ["sms-off"] = "Security.Done.SmsOff",
        ["passkey-added"] = "Security.Done.PasskeyAdded",
        ["passkey-renamed"] = "Security.Done.PasskeyRenamed",
        ["passkey-removed"] = "Security.Done.PasskeyRemoved",
    };

    public static async Task<IResult> ShowAsync(
        HttpContext http, AccountArea area, WardenDbContext db, IAntiforgery antiforgery, PasskeyRelyingParty relyingParty, UserManager<User> users, string? done,
        CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http);
        }

        return new RazorComponentResult<SecurityPage>(new Dictionary<string, object?>
        {
            [nameof(SecurityPage.Status)] = await TwoFactorManagement.StatusOfAsync(db, person.UserId, cancellationToken),
            [nameof(SecurityPage.PhoneVerified)] = await db.Profiles.AnyAsync(p => p.UserId == person.UserId && p.PhoneVerified && p.PhoneNumberProtected != null, cancellationToken),
            [nameof(SecurityPage.Notice)] = done is null ? null : Notices.GetValueOrDefault(done),
            [nameof(SecurityPage.PasskeysEnabled)] = relyingParty.Enabled,
            [nameof(SecurityPage.Passkeys)] = await PasskeyManagement.ListForAsync(person.UserId, users),
            [nameof(SecurityPage.Antiforgery)] = antiforgery.GetAndStoreTokens(http),
        });
    }

    public static async Task<IResult> SetUpAuthenticatorAsync(
        [FromForm] EmptyForm posted, HttpContext http, AccountArea area, WardenDbContext db, TwoFactorAccount account, Reauthentication reauthentication,
        SecretProtector secrets, IOptions<TwoFactorOptions> options, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, Path);
        }

        var answer = await TotpEnrollment.BeginAsync(person.UserId, person.Session.Id, null, db, account, reauthentication, secrets, options, cancellationToken);
        return answer.Result switch
        {
            Ok<TotpSetupResponse> ok => TotpPage(http, ok.Value!.OtpauthUri, ok.Value.Secret, null),
            var other when AccountArea.AsksReauthentication(other) => AccountArea.ToReauthenticate(Path),
            var other => ProblemPage(other),
        };
    }

    public static async Task<IResult> ConfirmAuthenticatorAsync(
        [FromForm] CodeOnlyForm posted, HttpContext http, AccountArea area, WardenDbContext db, TwoFactorAccount account, SecretProtector secrets,
        IOptions<TwoFactorOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, Path);
        }

        var answer = await TotpEnrollment.ConfirmForAsync(person.UserId, new CodeRequest(posted.Code, null), db, account, secrets, time, cancellationToken);
        if (answer.Result is Ok<RecoveryCodesResponse> ok)
        {
            return CodesPage(http, ok.Value!.RecoveryCodes);
        }

        // Shown again with the same pending secret (the person may have mistyped the code, not lost the scan).
        var pending = await db.TwoFactor.AsNoTracking().Where(t => t.UserId == person.UserId).Select(t => t.PendingTotpSecretProtected).SingleOrDefaultAsync(cancellationToken);
        if (pending is null)
        {
            return PageResults.SeeOther(Path);
        }

        var secret = secrets.Unprotect(SecretKind.TotpSecret, pending);
        var errors = PageErrors.From(answer.Result);
        var message = errors.Summary ?? string.Join(" ", errors.Fields.Values.SelectMany(v => v));
        return TotpPage(http, OtpAuthUri.Build(options.Value.Issuer, person.User.Email!, Base32.Decode(secret)), secret, message);
    }

    public static async Task<IResult> RegenerateCodesAsync(
        [FromForm] EmptyForm posted, HttpContext http, AccountArea area, WardenDbContext db, TwoFactorAccount account, Reauthentication reauthentication,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, Path);
        }

        var answer = await TwoFactorManagement.RegenerateAsync(person.UserId, person.Session.Id, new CodeRequest(null, null), db, account, reauthentication, time, cancellationToken);
        return answer.Result switch
        {
            Ok<RecoveryCodesResponse> ok => CodesPage(http, ok.Value!.RecoveryCodes),
            var other when AccountArea.AsksReauthentication(other) => AccountArea.ToReauthenticate(Path),
            var other => ProblemPage(other),
        };
    }

    /// <summary>
    /// The codes just shown, as a text file: the page posts them back (Warden keeps only their hashes). Only well-formed
    /// recovery codes are written, so this answers nothing a page did not show.
    /// </summary>
    public static async Task<IResult> DownloadCodesAsync([FromForm] RecoveryCodesForm posted, HttpContext http, AccountArea area)
    {
        if (await area.PersonAsync(http) is null)
        {
            return AccountArea.ToSignIn(http, Path);
        }

        var codes = (posted.Codes ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(RecoveryCodes.Count)
            .Where(c => c.Length == RecoveryCodes.SymbolCount + 1 && RecoveryCodes.TryNormalize(c, out _)).ToList();
        if (codes.Count == 0)
        {
            return PageResults.SeeOther(Path);
        }

        var brand = http.RequestServices.GetRequiredService<IOptions<BrandOptions>>().Value.ProductName;
        var text = $"{brand} recovery codes\r\n\r\n" + string.Join("\r\n", codes) + "\r\n";
        return TypedResults.File(Encoding.UTF8.GetBytes(text), "text/plain; charset=utf-8", "recovery-codes.txt");
    }

    public static async Task<IResult> TurnOffAsync(
        [FromForm] EmptyForm posted, HttpContext http, AccountArea area, WardenDbContext db, TwoFactorAccount account, Reauthentication reauthentication,
        CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, Path);
        }

        var answer = await TwoFactorManagement.TurnOffAsync(person.UserId, person.Session.Id, null, db, account, reauthentication, cancellationToken);
        return answer.Result switch
        {
            NoContent => PageResults.SeeOther(Path + "?done=two-factor-off"),
            var other when AccountArea.AsksReauthentication(other) => AccountArea.ToReauthenticate(Path),
            var other => ProblemPage(other),
        };
    }

    /// <summary><c>/account/password</c> (also the password-expiry reminder's link): a new password, after a re-authentication.</summary>
    public static async Task<IResult> PasswordAsync(HttpContext http, AccountArea area, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http);
        }

        return await area.IsRecentAsync(person, cancellationToken)
            ? PageResults.Form(http, PasswordModel(PageErrors.None))
            : AccountArea.ToReauthenticate(PasswordPath);
    }

    public const string PasswordPath = "/account/password";

    public static async Task<IResult> ChangePasswordAsync(
        [FromForm] NewPasswordForm posted, HttpContext http, AccountArea area, WardenDbContext db, PasswordChangingUserManager users, PasswordPolicy policy,
        Reauthentication reauthentication, SessionRevocation revocation, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, PasswordPath);
        }

        var answer = await ChangePassword.ChangeAsync(person.UserId, person.Session.Id, stepUp: true, new ChangePasswordRequest(null, posted.NewPassword),
            db, users, policy, reauthentication, revocation, time, cancellationToken);
        return answer.Result switch
        {
            Ok<PasswordChangeResult> => PageResults.SeeOther(Path + "?done=password"),
            var other when AccountArea.AsksReauthentication(other) => AccountArea.ToReauthenticate(PasswordPath),
            var other => PageResults.Form(http, PasswordModel(PageErrors.From(other))),
        };
    }

    private static FormModel PasswordModel(PageErrors errors) =>
        new("Password.Title", PasswordPath, "Password.Submit", [new FormField("newPassword", "Field.NewPassword", "password", Autocomplete: "new-password")])
        {
            Intro = "Password.Intro",
            Errors = errors,
            Links = [new PageLink(Path, "Link.Cancel")],
        };

    private static RazorComponentResult<TotpSetupPage> TotpPage(HttpContext http, string otpauthUri, string secret, string? error) =>
        new RazorComponentResult<TotpSetupPage>(new Dictionary<string, object?>
        {
            [nameof(TotpSetupPage.QrSvg)] = QrCodeImage.Svg(otpauthUri),
            [nameof(TotpSetupPage.Secret)] = secret,
            [nameof(TotpSetupPage.Error)] = error,
            [nameof(TotpSetupPage.Antiforgery)] = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http),
        })
        {
            StatusCode = error is null ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity,
        };

    internal static RazorComponentResult<RecoveryCodesPage> CodesPage(HttpContext http, IReadOnlyList<string> codes) =>
        new RazorComponentResult<RecoveryCodesPage>(new Dictionary<string, object?>
        {
            [nameof(RecoveryCodesPage.Codes)] = codes,
            [nameof(RecoveryCodesPage.Antiforgery)] = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http),
        });

    /// <summary>A refusal that belongs to no field (two-factor already off, say): the API's words on a page of their own.</summary>
    internal static RazorComponentResult ProblemPage(object problem)
    {
        var errors = PageErrors.From(problem);
        return PageResults.Message(new MessageModel("Refused.Title", "Refused.Text") { Detail = errors.Summary, Links = [new PageLink(Path, "Link.Back")] },
            StatusCodes.Status422UnprocessableEntity);
    }
}
