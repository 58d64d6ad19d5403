using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Warden.Server.Authorization.Policies;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Profiles.Avatars;

/// <summary>
/// Avatar upload (the raw image as the request body, <c>Content-Type: image/png|jpeg|webp</c>) and the anonymous,
/// cache-friendly download. The body's leading bytes decide the type; the declared type only has to be an image.
/// </summary>
public static class AvatarEndpoints
{
    /// <summary>Body limit of the upload route: the image limit plus nothing, as the body is the image.</summary>
    public static long UploadLimit(IConfiguration configuration) =>
        configuration.GetValue<int?>($"{ProfileOptions.Section}:{nameof(ProfileOptions.AvatarMaxBytes)}") ?? new ProfileOptions().AvatarMaxBytes;

    public static async Task<Results<Ok<ProfileView>, ProblemHttpResult>> UploadAsync(
        HttpContext http,
        AccessPolicy policy,
        WardenDbContext db,
        IAvatarStorage storage,
        ProfileReader reader,
        ProfileCache cache,
        IOptions<ProfileOptions> options,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        // Decided before the body is read: a refused upload costs nothing.
        if (await ProfileAccess.OwnAsync(policy, http, PolicyActions.Write, PolicyResourceTypes.Avatar) is { } denied)
        {
            return denied;
        }

        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var declared)
            || !declared.MediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
        {
            return ApiProblems.Problem(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType,
                "Send the image itself as the body.", "Use Content-Type image/png, image/jpeg or image/webp.");
        }

        return await UploadForAsync(http.User.UserId(), http.Request.Body, db, storage, reader, cache, options, time, cancellationToken);
    }

    /// <summary>The upload itself, for the API (the request body) and the profile page (the form's file): the size, the image check, storage, the event.</summary>
    public static async Task<Results<Ok<ProfileView>, ProblemHttpResult>> UploadForAsync(
        Guid userId,
        Stream image,
        WardenDbContext db,
        IAvatarStorage storage,
        ProfileReader reader,
        ProfileCache cache,
        IOptions<ProfileOptions> options,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var maxBytes = options.Value.AvatarMaxBytes;
        var content = await ReadAtMostAsync(image, maxBytes + 1, cancellationToken);
        if (content.Length > maxBytes)
        {
            return ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge,
                "The image is too large.", $"An avatar has at most {maxBytes} bytes.");
        }

        var format = ImageFormat.Detect(content);
        if (format is null)
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, ProblemCodes.InvalidImage,
                "The body is not a PNG, JPEG or WebP image.", "The type is recognised from the image's content, not from the declared content type.");
        }

        var now = time.GetUtcNow();
        var profile = await ProfileRows.LoadForUpdateAsync(db, userId, now, cancellationToken);
        if (profile is null)
        {
            return ApiProblems.NotFound();
        }

        var key = AvatarKeys.For(userId, content, format);
        await storage.SaveAsync(userId, key, content, cancellationToken);

        var previous = profile.AvatarUrl;
        var url = storage.PublicUrl(key).AbsoluteUri;
        if (previous != url)
        {
            profile.AvatarUrl = url;
            profile.UpdatedAt = now;
            profile.Version++;
            db.AddEvent(EventTypes.ProfileUpdated, userId, new
            {
                userId,
                fields = new[] { ProfileFields.AvatarUrl },
            }, now);
            // A concurrent profile change (or first insert) surfaces as an update error (500 is wrong, 409 is right): the
            // client uploads again. The new image stays and is harmless; it is reused by the same upload.
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (Microsoft.EntityFrameworkCore.DbUpdateException)
            {
                return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.Conflict, "The profile changed meanwhile; upload again.");
            }

            cache.Invalidate(userId);
            await storage.DeleteReplacedAsync(previous, url, cancellationToken);
        }

        return TypedResults.Ok(reader.From(profile));
    }

    /// <summary>
    /// Anonymous: avatars appear in other people's pages. The key is a hash of the content, so the response never
    /// changes: it may be cached for a year, and its entity tag is that hash (a revalidation answers 304 while the
    /// image exists). nosniff and a sandboxing CSP keep a browser from treating a crafted image as anything but an image.
    /// </summary>
    public static async Task<Results<FileStreamHttpResult, StatusCodeHttpResult, ProblemHttpResult>> DownloadAsync(
        string key, HttpContext http, IAvatarStorage storage, CancellationToken cancellationToken)
    {
        if (!AvatarKeys.IsValid(key) || await storage.OpenReadAsync(key, cancellationToken) is not { } stream)
        {
            return ApiProblems.NotFound();
        }

        var headers = http.Response.Headers;
        headers.CacheControl = "public, max-age=31536000, immutable";
        headers.ETag = AvatarKeys.ETagOf(key);
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        if (http.Request.Headers.IfNoneMatch.Any(v => v is not null && (v.Trim() == "*" || v.Split(',').Any(t => t.Trim() == AvatarKeys.ETagOf(key)))))
        {
            await stream.DisposeAsync();
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Stream(stream, AvatarKeys.FormatOf(key).ContentType);
    }

    private static async Task<byte[]> ReadAtMostAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while (buffer.Length < limit && (read = await body.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, limit - buffer.Length)), cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
