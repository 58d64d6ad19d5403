using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Profiles.Avatars;

/// <summary>Avatars as files under <c>&lt;data&gt;/avatars/</c>, served by Warden at <c>/avatars/{key}</c>.</summary>
public sealed class LocalAvatarStorage(IOptions<WardenOptions> options, ILogger<LocalAvatarStorage> logger) : IAvatarStorage
{
    public const string RoutePrefix = "avatars";

    private string Directory => options.Value.DataPath(RoutePrefix);

    public async Task SaveAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        if (File.Exists(path))
        {
            return; // content-addressed: the same key is the same bytes
        }

        PrivateFiles.CreateDirectory(Directory);
        // Written aside and moved into place, so a concurrent reader never serves half a file.
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        await PrivateFiles.WriteNewAsync(temporary, content, cancellationToken);
        File.Move(temporary, path, overwrite: true);
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult<Stream?>(new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, useAsync: true));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            File.Delete(PathOf(key));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An orphaned file costs disk space only; the profile no longer points at it.
            logger.LogWarning(e, "Could not delete the replaced avatar {Key}", key);
        }

        return Task.CompletedTask;
    }

    public Uri PublicUrl(string key) => new(options.Value.PublicBaseUri, $"{RoutePrefix}/{key}");

    public string? KeyOf(string url)
    {
        var prefix = new Uri(options.Value.PublicBaseUri, $"{RoutePrefix}/").AbsoluteUri;
        if (!url.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var key = url[prefix.Length..];
        return AvatarKeys.IsValid(key) ? key : null;
    }

    private string PathOf(string key) =>
        AvatarKeys.IsValid(key) ? Path.Combine(Directory, key) : throw new ArgumentException("Not an avatar key.", nameof(key));
}
