using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Warden.Server.Profiles.Avatars;

/// <summary>
/// Where avatar images live: the database (<see cref="DatabaseAvatarStorage"/>), so that every node serves them;
/// S3-compatible object storage may be another implementation. Keys are <see cref="AvatarKeys"/>:
/// content-addressed, so a URL's content never changes and clients may cache it for ever.
/// </summary>
public interface IAvatarStorage
{
    Task SaveAsync(Guid userId, string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>The image, or null when there is none.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken);

    Task DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>The absolute URL anyone can fetch the avatar at.</summary>
    Uri PublicUrl(string key);

    /// <summary>The key behind one of this storage's public URLs; null for any other URL.</summary>
    string? KeyOf(string url);
}

public static partial class AvatarKeys
{
    /// <summary>
    /// SHA-256 of the owner's id and the bytes: the same picture uploaded by two users gives two images, so
    /// replacing one user's avatar (which deletes the old image) never removes another's.
    /// </summary>
    public static string For(Guid userId, ReadOnlySpan<byte> content, ImageFormat format)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(userId.ToByteArray());
        sha.AppendData(content);
        return $"{Convert.ToHexStringLower(sha.GetHashAndReset())}.{format.Extension}";
    }

    /// <summary>Only keys this module made are ever looked up (and, on the upgrade from files, used as file names).</summary>
    public static bool IsValid(string? key) => key is not null && KeyPattern().IsMatch(key);

    public static ImageFormat FormatOf(string key) => ImageFormat.FromExtension(key[(key.LastIndexOf('.') + 1)..])!;

    /// <summary>The strong entity tag of a key's image: its hash, which is the image.</summary>
    public static string ETagOf(string key) => $"\"{key[..key.IndexOf('.', StringComparison.Ordinal)]}\"";

    [GeneratedRegex("^[0-9a-f]{64}\\.(png|jpg|webp)$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}

public static class AvatarStorageExtensions
{
    public static bool IsOwnUrl(this IAvatarStorage storage, string url) => storage.KeyOf(url) is not null;

    /// <summary>Deletes the image behind <paramref name="previousUrl"/> once the profile no longer points at it.</summary>
    public static async Task DeleteReplacedAsync(this IAvatarStorage storage, string? previousUrl, string? currentUrl, CancellationToken cancellationToken)
    {
        if (previousUrl is not null && previousUrl != currentUrl && storage.KeyOf(previousUrl) is { } key)
        {
            await storage.DeleteAsync(key, cancellationToken);
        }
    }
}
