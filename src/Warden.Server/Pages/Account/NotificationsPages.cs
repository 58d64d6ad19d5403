using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Warden.Policies;
using Warden.Server.Authorization.Policies;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages.Layout;
using Warden.Server.Profiles.Settings;

namespace Warden.Server.Pages.Account;

/// <summary>The settings form: a checkbox posts <c>true</c> when ticked and nothing otherwise.</summary>
public sealed class NotificationsForm
{
    public bool Account { get; set; }
    public bool Marketing { get; set; }
    public bool ProductUpdates { get; set; }
    public string? Theme { get; set; }

    public static NotificationsForm From(SettingsView view) => new()
    {
        Account = view.Notifications.Account, Marketing = view.Notifications.Marketing, ProductUpdates = view.Notifications.ProductUpdates, Theme = view.Theme,
    };

    /// <summary>
    /// The form as the settings document of <c>PUT /api/v1/users/settings</c>. Security notices are always on (the use
    /// case refuses otherwise); the preferred second factor is left out, which leaves it as it is.
    /// </summary>
    public JsonElement ToDocument() => JsonSerializer.SerializeToElement(new Dictionary<string, object?>
    {
        ["notifications"] = new Dictionary<string, bool> { ["security"] = true, ["account"] = Account, ["marketing"] = Marketing, ["productUpdates"] = ProductUpdates },
        ["theme"] = string.IsNullOrWhiteSpace(Theme) ? null : Theme,
    });
}

/// <summary>
/// Notification settings (and the theme an application may follow) through the API's <see cref="SettingsEndpoints.ReplaceForAsync"/>:
/// the same validation and <c>settings.updated</c> event as <c>PUT /api/v1/users/settings</c>, on the signed-in person's own settings.
/// </summary>
public static class NotificationsPages
{
    public const string Path = "/account/notifications";

    /// <summary>The API's field names → the form's inputs.</summary>
    private static readonly Dictionary<string, string> FieldNames = new()
    {
        ["notifications.account"] = "account",
        ["notifications.marketing"] = "marketing",
        ["notifications.productUpdates"] = "productUpdates",
    };

    public static async Task<IResult> ShowAsync(HttpContext http, AccountArea area, WardenDbContext db, string? done, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http);
        }

        if (!await area.MayAsync(person, PolicyActions.Read, PolicyResourceTypes.Settings, http))
        {
            return AccountArea.Denied();
        }

        var settings = await db.UserSettings.AsNoTracking().SingleOrDefaultAsync(s => s.UserId == person.UserId, cancellationToken)
                       ?? new UserSettings { UserId = person.UserId };
        var view = SettingsView.From(settings, null);
        return Page(http, NotificationsForm.From(view), PageErrors.None, done == "saved" ? "Notifications.Done" : null);
    }

    public static async Task<IResult> SaveAsync([FromForm] NotificationsForm posted, HttpContext http, AccountArea area, WardenDbContext db, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, Path);
        }

        if (!await area.MayAsync(person, PolicyActions.Write, PolicyResourceTypes.Settings, http))
        {
            return AccountArea.Denied();
        }

        var answer = await SettingsEndpoints.ReplaceForAsync(person.UserId, posted.ToDocument(), db, time, cancellationToken);
        return answer.Result is Ok<SettingsView>
            ? PageResults.SeeOther(Path + "?done=saved")
            : Page(http, posted, PageErrors.From(answer.Result, FieldNames), null);
    }

    private static RazorComponentResult<NotificationsPage> Page(HttpContext http, NotificationsForm form, PageErrors errors, string? notice) =>
        new RazorComponentResult<NotificationsPage>(new Dictionary<string, object?>
        {
            [nameof(NotificationsPage.Form)] = form,
            [nameof(NotificationsPage.Errors)] = errors,
            [nameof(NotificationsPage.Notice)] = notice,
            [nameof(NotificationsPage.Antiforgery)] = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http),
        })
        {
            StatusCode = errors.Any ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status200OK,
        };
}
