using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Warden.Server.Authentication;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Pages.Layout;
using Warden.Server.Profiles.Email;
using Warden.Server.Users;

namespace Warden.Server.Pages.Account;

public sealed class NewEmailForm
{
    public string? NewEmail { get; set; }
}

public sealed class TokenForm
{
    public string? Token { get; set; }
}

/// <summary>
/// A new sign-in address through the API's <see cref="EmailChangeEndpoints"/>: asked after a re-authentication, then
/// confirmed from the link mailed to the new address. The link only shows a button; the post spends the token (a mail
/// scanner that fetches the link spends nothing), on the signed-in session of the same account; every other session ends.
/// </summary>
public static class EmailChangePages
{
    public const string Path = "/account/email";
    public const string ConfirmPath = "/account/confirm-email-change";

    public static async Task<IResult> ShowAsync(HttpContext http, AccountArea area, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http);
        }

        return await area.IsRecentAsync(person, cancellationToken)
            ? PageResults.Form(http, Model(person.User.Email, null, PageErrors.None))
            : AccountArea.ToReauthenticate(Path);
    }

    public static async Task<IResult> RequestAsync(
        [FromForm] NewEmailForm posted, HttpContext http, AccountArea area, WardenDbContext db, UserManager<User> users, Reauthentication reauthentication,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, Path);
        }

        var answer = await EmailChangeEndpoints.RequestForAsync(person.UserId, person.Session.Id, new ChangeEmailRequest(posted.NewEmail, null, null),
            db, users, reauthentication, time, cancellationToken);
        return answer.Result switch
        {
            Accepted => PageResults.Message(new MessageModel("EmailChange.Sent.Title", "EmailChange.Sent.Text") { Links = [new PageLink(ReturnUrls.Home, "Link.Home")] }),
            var other when AccountArea.AsksReauthentication(other) => AccountArea.ToReauthenticate(Path),
            var other => PageResults.Form(http, Model(person.User.Email, posted.NewEmail, PageErrors.From(other))),
        };
    }

    public static async Task<IResult> ConfirmFormAsync(HttpContext http, AccountArea area, string? token)
    {
        if (!OpaqueToken.LooksValid(token))
        {
            return PageResults.ExpiredLink(Path, "Link.EmailAgain");
        }

        // The change belongs to one account: its owner confirms it signed in (and comes back here after signing in).
        if (await area.PersonAsync(http) is null)
        {
            return AccountArea.ToSignIn(http);
        }

        return PageResults.Form(http, new FormModel("EmailChange.Confirm.Title", ConfirmPath, "EmailChange.Confirm.Submit", [])
        {
            Intro = "EmailChange.Confirm.Intro",
            Hidden = new Dictionary<string, string> { ["token"] = token! },
        });
    }

    public static async Task<IResult> ConfirmAsync(
        [FromForm] TokenForm posted, HttpContext http, AccountArea area, WardenDbContext db, UserManager<User> users, AccountTokens tokens,
        SessionRevocation revocation, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, ConfirmPath + "?token=" + Uri.EscapeDataString(posted.Token ?? ""));
        }

        var answer = await EmailChangeEndpoints.ConfirmForAsync(person.UserId, person.Session.Id, new ConfirmEmailChangeRequest(posted.Token),
            db, users, tokens, revocation, time, cancellationToken);
        if (answer.Result is Ok<AccountView>)
        {
            return PageResults.Message(new MessageModel("EmailChange.Done.Title", "EmailChange.Done.Text") { Links = [new PageLink(ReturnUrls.Home, "Link.Home")] });
        }

        var errors = PageErrors.From(answer.Result);
        return errors.Code == ProblemCodes.TokenInvalid
            ? PageResults.ExpiredLink(Path, "Link.EmailAgain")
            : PageResults.Message(new MessageModel("Refused.Title", "Refused.Text") { Detail = errors.Summary, Links = [new PageLink(Path, "Link.EmailAgain")] },
                StatusCodes.Status409Conflict);
    }

    private static FormModel Model(string? current, string? newEmail, PageErrors errors) =>
        new("EmailChange.Title", Path, "EmailChange.Submit", [new FormField("newEmail", "Field.NewEmail", "email", newEmail, "email")])
        {
            Intro = "EmailChange.Intro",
            Errors = errors,
            Links = [new PageLink(ReturnUrls.Home, "Link.Cancel")],
        };
}
