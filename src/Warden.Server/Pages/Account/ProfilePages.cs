using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Warden.Policies;
using Warden.Server.Authorization.Policies;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages.Layout;
using Warden.Server.Profiles;
using Warden.Server.Profiles.Avatars;

namespace Warden.Server.Pages.Account;

/// <summary>The profile form; its names are the API's profile fields, so the API's field errors land beside their inputs.</summary>
public sealed class ProfileForm
{
    public string? FullName { get; set; }
    public string? FirstName { get; set; }
    public string? LastName { get; set; }
    public string? Bio { get; set; }
    public string? Timezone { get; set; }
    public string? Locale { get; set; }

    public static ProfileForm From(ProfileView view) => new()
    {
        FullName = view.FullName, FirstName = view.FirstName, LastName = view.LastName, Bio = view.Bio, Timezone = view.Timezone, Locale = view.Locale,
    };

    /// <summary>
    /// The form as a merge patch of exactly the fields it shows (an emptied field removes its value): the avatar URL and
    /// the application's preferences are left as they are.
    /// </summary>
    public JsonElement ToMergePatch() => JsonSerializer.SerializeToElement(new Dictionary<string, string?>
    {
        [ProfileFields.FullName] = Blank(FullName),
        [ProfileFields.FirstName] = Blank(FirstName),
        [ProfileFields.LastName] = Blank(LastName),
        [ProfileFields.Bio] = Blank(Bio),
        [ProfileFields.Timezone] = Blank(Timezone)?.Trim(),
        [ProfileFields.Locale] = Blank(Locale)?.Trim(),
    });

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

/// <summary>
/// The profile page: names, bio, time zone and locale through the API's <see cref="ProfileUpdater"/> (the same rules,
/// concurrency retry and <c>profile.updated</c> event as <c>PATCH /api/v1/users/profile</c>), and the avatar through
/// <see cref="AvatarEndpoints.UploadForAsync"/> (the upload of <c>POST /api/v1/users/profile/avatar</c>), always on the
/// signed-in person's own profile. Not sensitive: no re-authentication, as the API asks none.
/// </summary>
public static class ProfilePages
{
    public const string Path = "/account/profile";
    public const string AvatarPath = "/account/profile/avatar";
    public const string AvatarField = "avatar";

    public static async Task<IResult> ShowAsync(HttpContext http, AccountArea area, ProfileReader reader, IAvatarStorage storage, string? done,
        CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http);
        }

        if (!await area.MayAsync(person, PolicyActions.Read, PolicyResourceTypes.Profile, http))
        {
            return AccountArea.Denied();
        }

        if (await reader.GetAsync(person.UserId, cancellationToken) is not { } view)
        {
            return PageResults.NotFound();
        }

        var notice = done switch { "saved" => "Profile.Done.Saved", "avatar" => "Profile.Done.Avatar", _ => null };
        return Page(http, ProfileForm.From(view), view, storage, PageErrors.None, PageErrors.None, notice);
    }

    public static async Task<IResult> SaveAsync([FromForm] ProfileForm posted, HttpContext http, AccountArea area, ProfileReader reader, ProfileUpdater updater,
        IAvatarStorage storage, CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, Path);
        }

        if (!await area.MayAsync(person, PolicyActions.Write, PolicyResourceTypes.Profile, http))
        {
            return AccountArea.Denied();
        }

        var answer = await updater.UpdateAsync(person.UserId, posted.ToMergePatch(), patch: true, cancellationToken);
        if (answer.Result is Ok<ProfileView>)
        {
            return PageResults.SeeOther(Path + "?done=saved");
        }

        return await reader.GetAsync(person.UserId, cancellationToken) is { } view
            ? Page(http, posted, view, storage, PageErrors.From(answer.Result), PageErrors.None, null)
            : PageResults.NotFound();
    }

    public static async Task<IResult> UploadAvatarAsync([FromForm(Name = AvatarField)] IFormFile? avatar, HttpContext http, AccountArea area,
        WardenDbContext db, IAvatarStorage storage, ProfileReader reader, ProfileCache cache, IOptions<ProfileOptions> options, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (await area.PersonAsync(http) is not { } person)
        {
            return AccountArea.ToSignIn(http, Path);
        }

        if (!await area.MayAsync(person, PolicyActions.Write, PolicyResourceTypes.Avatar, http))
        {
            return AccountArea.Denied();
        }

        PageErrors errors;
        if (avatar is null || avatar.Length == 0)
        {
            errors = new PageErrors(null, new Dictionary<string, string[]> { [AvatarField] = [] }) { Code = "missing" };
        }
        else
        {
            await using var image = avatar.OpenReadStream();
            var answer = await AvatarEndpoints.UploadForAsync(person.UserId, image, db, storage, reader, cache, options, time, cancellationToken);
            if (answer.Result is Ok<ProfileView>)
            {
                return PageResults.SeeOther(Path + "?done=avatar");
            }

            // The upload's refusals (too large, not an image) are problems, not field errors: shown beside the file input.
            var refused = PageErrors.From(answer.Result);
            errors = new PageErrors(null, new Dictionary<string, string[]> { [AvatarField] = [refused.Summary ?? ""] }) { Code = refused.Code };
        }

        return await reader.GetAsync(person.UserId, cancellationToken) is { } view
            ? Page(http, ProfileForm.From(view), view, storage, PageErrors.None, errors, null)
            : PageResults.NotFound();
    }

    private static RazorComponentResult<ProfilePage> Page(HttpContext http, ProfileForm form, ProfileView view, IAvatarStorage storage, PageErrors errors,
        PageErrors avatarErrors, string? notice) =>
        new RazorComponentResult<ProfilePage>(new Dictionary<string, object?>
        {
            [nameof(ProfilePage.Form)] = form,
            // Only an uploaded avatar is previewed, by its path on Warden: the pages' CSP loads images from Warden alone.
            [nameof(ProfilePage.AvatarPath)] = view.AvatarUrl is { } url && storage.IsOwnUrl(url) ? new Uri(url).AbsolutePath : null,
            [nameof(ProfilePage.Errors)] = errors,
            [nameof(ProfilePage.AvatarErrors)] = avatarErrors,
            [nameof(ProfilePage.Notice)] = notice,
            [nameof(ProfilePage.Antiforgery)] = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http),
        })
        {
            StatusCode = errors.Any || avatarErrors.Any ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status200OK,
        };
}
