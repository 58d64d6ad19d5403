using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Warden.Server.Authentication.Tokens;

/// <summary>
/// Random bearer secrets (refresh, verification, reset, challenge tokens): 256 bits, base64url, stored only as
/// SHA-256. A plain hash is enough because the secret has full entropy; nothing can be guessed offline.
/// </summary>
public static class OpaqueToken
{
    public const int MaxLength = 128;

    public static string Create() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>Cheap shape check so junk never reaches the database.</summary>
    public static bool LooksValid(string? token) =>
        token is { Length: >= 16 and <= MaxLength } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
