using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages.Layout;
using Warden.Server.Pages.SignIn;

namespace Warden.Server.Pages.Account;

public sealed class SessionForm
{
    public string? Id { get; set; }
}

/// <summary>
/// Sessions and devices: the person's active sessions (this browser marked), end one, or end all the others — the API's
/// <see cref="SessionEndpoints"/> cores, scoped to the signed-in person: another person's session id is "no such
/// session", whatever the form says.
/// </summary>
public static class SessionsPages
{
    public const string Path = "/account/sessions";

    public static async Task<IResult> ShowAsync(HttpContext http, AccountArea area, WardenDbContext db, IAntiforgery antiforgery, TimeProvider time, string? done,
        CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http);
        }

        return new RazorComponentResult<SessionsPage>(new Dictionary<string, object?>
        {
            [nameof(SessionsPage.Sessions)] = await SessionEndpoints.ListForAsync(person.UserId, person.Session.Id, db, time, cancellationToken),
            [nameof(SessionsPage.Notice)] = done switch { "revoked" => "Sessions.Done.Revoked", "others" => "Sessions.Done.Others", _ => null },
            [nameof(SessionsPage.Antiforgery)] = antiforgery.GetAndStoreTokens(http),
        });
    }

    public static async Task<IResult> RevokeAsync([FromForm] SessionForm posted, HttpContext http, AccountArea area, SessionRevocation revocation, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, Path);
        }

        if (!Guid.TryParse(posted.Id, out var id) || !await SessionEndpoints.EndOneAsync(person.UserId, id, revocation, cancellationToken))
        {
            return PageResults.NotFound();
        }

        if (id == person.Session.Id)
        {
            AccountSession.SignOut(http);
            return PageResults.SeeOther("/account/login");
        }

        return PageResults.SeeOther(Path + "?done=revoked");
    }

    public static async Task<IResult> RevokeOthersAsync([FromForm] EmptyForm posted, HttpContext http, AccountArea area, SessionRevocation revocation,
        CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, Path);
        }

        await SessionEndpoints.EndOthersAsync(person.UserId, person.Session.Id, revocation, cancellationToken);
        return PageResults.SeeOther(Path + "?done=others");
    }
}
