using System.Text.Json;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Profiles.Avatars;
using Warden.Server.Profiles.Email;
using Warden.Server.Profiles.Phone;
using Warden.Server.Profiles.Settings;

namespace Warden.Server.Profiles;

/// <summary>What a PUT or merge patch of a profile may hold (for the OpenAPI document; the handlers read the body themselves).</summary>
public sealed record ProfileInput(
    string? FullName, string? FirstName, string? LastName, string? Bio, string? AvatarUrl, string? Timezone, string? Locale, JsonElement? Preferences);

/// <summary>The signed-in user's profile, settings and self-service, mapped into the <c>/api/v1/users</c> group.</summary>
public static class ProfileEndpoints
{
    public static RouteGroupBuilder MapProfileEndpoints(this RouteGroupBuilder users)
    {
        users.MapGet("/profile", ProfileHandlers.GetOwnAsync)
            .WithName("GetProfile").WithTags("Profiles").WithSummary("The caller's profile.");
        users.MapPut("/profile", ProfileHandlers.PutOwnAsync)
            .WithName("ReplaceProfile").WithTags("Profiles").WithSummary("Replace the caller's profile (fields left out are cleared).")
            .Accepts<ProfileInput>(JsonBody.Json);
        users.MapPatch("/profile", ProfileHandlers.PatchOwnAsync)
            .WithName("PatchProfile").WithTags("Profiles").WithSummary("Change the caller's profile with a JSON merge patch (RFC 7396).")
            .Accepts<ProfileInput>(JsonBody.MergePatch, JsonBody.Json);

        var avatarLimit = ((IEndpointRouteBuilder)users).ServiceProvider.GetRequiredService<IOptions<ProfileOptions>>().Value.AvatarMaxBytes;
        users.MapPost("/profile/avatar", AvatarEndpoints.UploadAsync)
            .WithName("UploadAvatar").WithTags("Profiles")
            .WithSummary("Upload an avatar: the PNG, JPEG or WebP image itself as the body.")
            .Accepts<byte[]>("image/png", "image/jpeg", "image/webp")
            .WithRequestSizeLimit(avatarLimit);

        users.MapGet("/{id:guid}/profile", ProfileHandlers.GetByIdAsync)
            .WithName("GetUserProfile").WithTags("Profiles").WithSummary("Another user's profile (owner, read:all or write:all).");
        users.MapPatch("/{id:guid}/profile", ProfileHandlers.PatchByIdAsync)
            .WithName("PatchUserProfile").WithTags("Profiles").WithSummary("Change another user's profile (owner or write:all).")
            .Accepts<ProfileInput>(JsonBody.MergePatch, JsonBody.Json);

        users.MapGet("/settings", SettingsEndpoints.GetAsync)
            .WithName("GetSettings").WithTags("Profiles").WithSummary("The caller's notification, theme and second-factor settings.");
        users.MapPut("/settings", SettingsEndpoints.PutAsync)
            .WithName("ReplaceSettings").WithTags("Profiles").WithSummary("Replace the caller's settings (fields left out take their defaults).")
            .Accepts<SettingsView>(JsonBody.Json);

        users.MapPut("/phone", PhoneEndpoints.ChangeAsync)
            .WithName("ChangePhone").WithTags("Profiles").WithSummary("Set (or remove) the phone number; a code is sent to it by SMS.");
        users.MapPost("/phone/verify", PhoneEndpoints.VerifyAsync)
            .WithName("VerifyPhone").WithTags("Profiles").WithSummary("Verify the phone number with the code sent by SMS.");

        users.MapPut("/email", EmailChangeEndpoints.RequestAsync)
            .WithName("ChangeEmail").WithTags("Profiles").WithSummary("Ask to change the email address; the new address gets a confirmation link.");
        users.MapPost("/email/confirm", EmailChangeEndpoints.ConfirmAsync)
            .WithName("ConfirmEmailChange").WithTags("Profiles").WithSummary("Complete an email change with the mailed token.");

        return users;
    }

    /// <summary>Uploaded avatars, served anonymously under <c>/avatars</c> (content-addressed, cacheable for ever).</summary>
    public static RouteGroupBuilder MapAvatarDownloads(this RouteGroupBuilder avatars)
    {
        avatars.MapGet("/{key}", AvatarEndpoints.DownloadAsync)
            .AllowAnonymous().WithName("GetAvatar").WithTags("Profiles").WithSummary("An uploaded avatar (anonymous; cacheable for ever).");
        return avatars;
    }
}
