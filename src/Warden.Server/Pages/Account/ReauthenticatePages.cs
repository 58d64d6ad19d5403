using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages.Layout;

namespace Warden.Server.Pages.Account;

public sealed class ReauthenticateForm
{
    public string? Password { get; set; }
    public string? Code { get; set; }
    public string? ReturnUrl { get; set; }
}

/// <summary>
/// "Confirm it is you" before a sensitive change: the password, plus a code from the authenticator (or a recovery
/// code) when one is enrolled — exactly the API's proof, checked and recorded on this session by
/// <see cref="Reauthentication"/> (the step-up window, <c>Warden:Authentication:ReauthenticationWindow</c>). A proof
/// that holds also reissues the cookie with a new secret, as a sign-in does: a cookie copied before is worthless.
/// </summary>
public static class ReauthenticatePages
{
    public static async Task<IResult> ShowAsync(HttpContext http, AccountArea area, WardenDbContext db, string? returnUrl, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http);
        }

        return await FormAsync(http, db, person.UserId, AccountArea.Back(returnUrl), PageErrors.None, cancellationToken);
    }

    public static async Task<IResult> ConfirmAsync(
        [FromForm] ReauthenticateForm posted, HttpContext http, AccountArea area, WardenDbContext db, Reauthentication reauthentication,
        CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, ReturnPath(posted.ReturnUrl));
        }

        var back = AccountArea.Back(posted.ReturnUrl);
        // An empty password is never a proof here (the use case would accept a recent one instead).
        var errors = string.IsNullOrEmpty(posted.Password)
            ? new PageErrors(null, new Dictionary<string, string[]> { ["password"] = [Strings(http)["Reauth.PasswordRequired"]] })
            : await reauthentication.CheckAsync(person.User, person.Session.Id, posted.Password, posted.Code, cancellationToken) is { } refused
                ? PageErrors.From(refused)
                : null;
        return errors is not null
            ? await FormAsync(http, db, person.UserId, back, errors, cancellationToken)
            : await ConfirmedAsync(http, db, person.Session, back, cancellationToken);
    }

    /// <summary>A proof that held (a password, a passkey): the cookie is reissued with a new secret, then back.</summary>
    internal static async Task<IResult> ConfirmedAsync(HttpContext http, WardenDbContext db, UserSession session, string back, CancellationToken cancellationToken)
    {
        var secret = BrowserSessions.Issue(session);
        await db.SaveChangesAsync(cancellationToken);
        AccountSession.SignIn(http, new BrowserSignIn(secret, session));
        return PageResults.SeeOther(back);
    }

    /// <summary>The page, with the fields the account's proofs need (a code with an authenticator, a passkey button with a passkey).</summary>
    internal static async Task<IResult> FormAsync(HttpContext http, WardenDbContext db, Guid userId, string back, PageErrors errors, CancellationToken cancellationToken)
    {
        var totp = await db.TwoFactor.AsNoTracking().AnyAsync(t => t.UserId == userId && t.TotpSecretProtected != null, cancellationToken);
        var passkey = await db.UserPasskeys.AsNoTracking().AnyAsync(p => p.UserId == userId, cancellationToken);
        // An account may have no password (made by an external sign-in): a fresh sign-in at a linked provider proves it then.
        return PageResults.Form(http, Model(totp, passkey, back, errors) with
        {
            External = await SignIn.ExternalButtons.ForReauthenticationAsync(db, userId, back, cancellationToken),
        });
    }

    private static string ReturnPath(string? returnUrl) => ReauthenticatePathFor(AccountArea.Back(returnUrl));

    private static string ReauthenticatePathFor(string back) => AccountArea.ReauthenticatePath + "?returnUrl=" + Uri.EscapeDataString(back);

    private static Microsoft.Extensions.Localization.IStringLocalizer<Strings> Strings(HttpContext http) =>
        http.RequestServices.GetRequiredService<Microsoft.Extensions.Localization.IStringLocalizer<Strings>>();

    private static FormModel Model(bool totp, bool passkey, string back, PageErrors errors) =>
        new("Reauth.Title", AccountArea.ReauthenticatePath, "Reauth.Submit",
        [
            new FormField("password", "Field.Password", "password", Autocomplete: "current-password"),
            .. totp ? [new FormField("code", "Field.Code", Autocomplete: "one-time-code", Hint: "Reauth.CodeHint")] : Array.Empty<FormField>(),
        ])
        {
            Intro = totp ? "Reauth.IntroTotp" : "Reauth.Intro",
            Hidden = new Dictionary<string, string> { ["returnUrl"] = back },
            Errors = errors,
            Links = [new PageLink(back, "Link.Cancel")],
            Passkey = passkey
                ? new PasskeyButtonModel("Passkey.Reauthenticate", AccountArea.ReauthenticatePath + "/passkey/options", AccountArea.ReauthenticatePath + "/passkey", Create: false)
                {
                    Hidden = new Dictionary<string, string> { ["returnUrl"] = back },
                }
                : null,
        };
}
