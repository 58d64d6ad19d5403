using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Warden.Server.Profiles.Avatars;

/// <summary>
/// Where avatar files live: the data directory now (<see cref="LocalAvatarStorage"/>), S3-compatible object
/// storage later. Keys are <see cref="AvatarKeys"/>: content-addressed, so a URL's content never
/// changes and clients may cache it for ever.
/// </summary>
public interface IAvatarStorage
{
    Task SaveAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>The file, or null when there is none.</summary>
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
    /// SHA-256 of the owner's id and the bytes: the same picture uploaded by two users gives two files, so
    /// replacing one user's avatar (which deletes the old file) never removes another's.
    /// </summary>
    public static string For(Guid userId, ReadOnlySpan<byte> content, ImageFormat format)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(userId.ToByteArray());
        sha.AppendData(content);
        return $"{Convert.ToHexStringLower(sha.GetHashAndReset())}.{format.Extension}";
    }

    /// <summary>Only keys this module made are ever used as file names: nothing from a URL reaches the file system otherwise.</summary>
    public static bool IsValid(string? key) => key is not null && KeyPattern().IsMatch(key);

    public static ImageFormat FormatOf(string key) => ImageFormat.FromExtension(key[(key.LastIndexOf('.') + 1)..])!;

    [GeneratedRegex("^[0-9a-f]{64}\\.(png|jpg|webp)$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}

public static class AvatarStorageExtensions
{
    public static bool IsOwnUrl(this IAvatarStorage storage, string url) => storage.KeyOf(url) is not null;

    /// <summary>Deletes the file behind <paramref name="previousUrl"/> once the profile no longer points at it.</summary>
    public static async Task DeleteReplacedAsync(this IAvatarStorage storage, string? previousUrl, string? currentUrl, CancellationToken cancellationToken)
    {
        if (previousUrl is not null && previousUrl != currentUrl && storage.KeyOf(previousUrl) is { } key)
        {
            await storage.DeleteAsync(key, cancellationToken);
        }
    }
}
