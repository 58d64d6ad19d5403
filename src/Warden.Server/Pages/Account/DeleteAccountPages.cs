using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;
using Warden.Server.Authentication;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages.Layout;
using Warden.Server.Pages.SignIn;
using Warden.Server.Privacy;

namespace Warden.Server.Pages.Account;

public sealed class DeleteAccountForm
{
    public string? Confirmation { get; set; }
}

/// <summary>
/// "Download my data" (the API's export, <see cref="PrivacyEndpoints.ExportForAsync"/>) and "delete my account" (its
/// erasure, <see cref="PrivacyEndpoints.EraseOwnAsync"/>): the deletion after a re-authentication and with the account's
/// email address typed out, so neither a stray click nor a borrowed browser erases anyone.
/// </summary>
public static class DeleteAccountPages
{
    public const string Path = "/account/delete";

    public static async Task<IResult> ExportAsync(
        [FromForm] EmptyForm posted, HttpContext http, AccountArea area, WardenDbContext db, IEnumerable<IPersonalData> modules, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, ReturnUrls.Home);
        }

        if (await PrivacyEndpoints.ExportForAsync(person.UserId, db, modules, time, cancellationToken) is not { } export)
        {
            return PageResults.NotFound();
        }

        // Serialised as the API's answer is (its JSON options), so both downloads are the same document.
        var options = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(export, options);
        return TypedResults.File(json, "application/json", PrivacyEndpoints.FileName(export));
    }

    public static async Task<IResult> ShowAsync(HttpContext http, AccountArea area, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http);
        }

        return await area.IsRecentAsync(person, cancellationToken) ? PageResults.Form(http, Model(PageErrors.None)) : AccountArea.ToReauthenticate(Path);
    }

    public static async Task<IResult> DeleteAsync(
        [FromForm] DeleteAccountForm posted, HttpContext http, AccountArea area, WardenDbContext db, Reauthentication reauthentication, AccountErasure erasure,
        IStringLocalizer<Strings> strings, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, Path);
        }

        if (!string.Equals(posted.Confirmation?.Trim(), person.User.Email, StringComparison.OrdinalIgnoreCase))
        {
            return PageResults.Form(http, Model(new PageErrors(null, new Dictionary<string, string[]> { ["confirmation"] = [strings["Delete.Mismatch"]] })));
        }

        var answer = await PrivacyEndpoints.EraseOwnAsync(person.UserId, person.Session.Id, new DeleteAccountRequest(null, null), db, reauthentication, erasure, cancellationToken);
        switch (answer.Result)
        {
            case NoContent:
                AccountSession.SignOut(http);
                return PageResults.Message(new MessageModel("Delete.Done.Title", "Delete.Done.Text"));
            case var other when AccountArea.AsksReauthentication(other):
                return AccountArea.ToReauthenticate(Path);
            case var other:
                return PageResults.Form(http, Model(PageErrors.From(other)));
        }
    }

    private static FormModel Model(PageErrors errors) =>
        new("Delete.Title", Path, "Delete.Submit", [new FormField("confirmation", "Field.DeleteConfirmation", "email", Autocomplete: "off", Hint: "Delete.Hint")])
        {
            Intro = "Delete.Intro",
            Errors = errors,
            Links = [new PageLink(ReturnUrls.Home, "Link.Cancel")],
        };
}
