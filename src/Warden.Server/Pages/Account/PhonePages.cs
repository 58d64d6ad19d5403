using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication;
using Warden.Server.Authentication.TwoFactor;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Pages.Layout;
using Warden.Server.Profiles;
using Warden.Server.Profiles.Phone;

namespace Warden.Server.Pages.Account;

public sealed class PhoneForm
{
    public string? PhoneNumber { get; set; }
}

public sealed class SmsForm
{
    public bool On { get; set; }
}

/// <summary>
/// The phone number and text-message codes: the number set after a re-authentication and proved with the texted code
/// (the API's <see cref="PhoneEndpoints"/>), then SMS codes turned on or off (<see cref="TwoFactorManagement"/>).
/// </summary>
public static class PhonePages
{
    public const string Path = "/account/phone";

    public static async Task<IResult> ShowAsync(HttpContext http, AccountArea area, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http);
        }

        return await area.IsRecentAsync(person, cancellationToken) ? PageResults.Form(http, NumberModel(null, PageErrors.None)) : AccountArea.ToReauthenticate(Path);
    }

    public static async Task<IResult> ChangeAsync(
        [FromForm] PhoneForm posted, HttpContext http, AccountArea area, WardenDbContext db, SecretProtector protector, Reauthentication reauthentication,
        ProfileReader reader, ProfileCache cache, IOptions<ProfileOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, Path);
        }

        var number = string.IsNullOrWhiteSpace(posted.PhoneNumber) ? null : posted.PhoneNumber.Trim();
        var answer = await PhoneEndpoints.ChangeForAsync(person.UserId, person.Session.Id, new ChangePhoneRequest(number, null, null), http, db, protector,
            reauthentication, reader, cache, options, time, cancellationToken);
        return answer.Result switch
        {
            Ok<ProfileView> when number is null => PageResults.SeeOther(SecurityPages.Path + "?done=phone-removed"),
            Ok<ProfileView> => PageResults.Form(http, CodeModel(PageErrors.None)),
            var other when AccountArea.AsksReauthentication(other) => AccountArea.ToReauthenticate(Path),
            var other => PageResults.Form(http, NumberModel(posted.PhoneNumber, PageErrors.From(other))),
        };
    }

    public static async Task<IResult> VerifyAsync(
        [FromForm] CodeOnlyForm posted, HttpContext http, AccountArea area, WardenDbContext db, OneTimeCodeHasher hasher, ProfileReader reader,
        ProfileCache cache, IOptions<TwoFactorOptions> twoFactor, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, Path);
        }

        var answer = await PhoneEndpoints.VerifyForAsync(person.UserId, new VerifyPhoneRequest(posted.Code?.Trim()), db, hasher, reader, cache, twoFactor, time, cancellationToken);
        return answer.Result is Ok<ProfileView>
            ? PageResults.SeeOther(SecurityPages.Path + "?done=phone")
            : PageResults.Form(http, CodeModel(PageErrors.From(answer.Result)));
    }

    public static async Task<IResult> SetSmsAsync(
        [FromForm] SmsForm posted, HttpContext http, AccountArea area, WardenDbContext db, TwoFactorAccount account, Reauthentication reauthentication,
        IOptions<TwoFactorOptions> options, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, SecurityPages.Path);
        }

        var answer = await TwoFactorManagement.SetMethodsForAsync(person.UserId, person.Session.Id, new TwoFactorMethodsRequest(posted.On, null, null, null, null),
            db, account, reauthentication, options, cancellationToken);
        return answer.Result switch
        {
            // Two-step sign-in just came on through SMS: its recovery codes, shown once.
            Ok<TwoFactorStatus> { Value.RecoveryCodes: { } codes } => SecurityPages.CodesPage(http, codes),
            Ok<TwoFactorStatus> => PageResults.SeeOther(SecurityPages.Path + (posted.On ? "?done=sms-on" : "?done=sms-off")),
            var other when AccountArea.AsksReauthentication(other) => AccountArea.ToReauthenticate(SecurityPages.Path),
            var other => SecurityPages.ProblemPage(other),
        };
    }

    private static FormModel NumberModel(string? number, PageErrors errors) =>
        new("Phone.Title", Path, "Phone.Submit", [new FormField("phoneNumber", "Field.PhoneNumber", "tel", number, "tel", Required: false, Hint: "Phone.Hint")])
        {
            Intro = "Phone.Intro",
            Errors = errors,
            Links = [new PageLink(SecurityPages.Path, "Link.Cancel")],
        };

    private static FormModel CodeModel(PageErrors errors) =>
        new("Phone.Verify.Title", Path + "/verify", "Phone.Verify.Submit", [new FormField("code", "Field.Code", Autocomplete: "one-time-code", Hint: "Phone.Verify.Hint")])
        {
            Errors = errors,
            Links = [new PageLink(SecurityPages.Path, "Link.Cancel")],
        };
}
