using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace Warden.Server.Infrastructure.Security;

internal readonly record struct Argon2Parameters(int MemoryKiB, int Iterations, int Parallelism)
{
    // Ceilings for stored hashes as well as settings: an imported hash claiming m=4 GiB or t=10^6 would
    // otherwise let whoever wrote it stall or exhaust the server at every login attempt.
    public const int MaxMemoryKiB = 1024 * 1024;
    public const int MaxIterations = 100;
    public const int MaxParallelism = 16;
}

internal static class Pbkdf2Parameters
{
    public const int MaxIterations = 10_000_000;
}

/// <summary>
/// The stored forms Warden reads: PHC strings for Argon2id (<c>$argon2id$v=19$m=..,t=..,p=..$salt$tag</c>)
/// and PBKDF2 (<c>$pbkdf2-sha512$i=..$salt$tag</c>, Warden's own), and ASP.NET Core Identity's V2 and V3
/// base64 blobs. Parsing is strict: anything malformed, truncated or outside the ceilings is not a hash.
/// </summary>
internal static class PasswordHashFormats
{
    public const string Argon2idPrefix = "$argon2id$";
    public const string Pbkdf2Prefix = "$pbkdf2-sha512$";
    private const int MinSaltBytes = 8;
    private const int MinTagBytes = 16;
    private const int MaxBytes = 64;

    public static string FormatArgon2id(Argon2Parameters p, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> tag) =>
        string.Create(CultureInfo.InvariantCulture, $"{Argon2idPrefix}v=19$m={p.MemoryKiB},t={p.Iterations},p={p.Parallelism}${B64(salt)}${B64(tag)}");

    public static string FormatPbkdf2(int iterations, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> tag) =>
        string.Create(CultureInfo.InvariantCulture, $"{Pbkdf2Prefix}i={iterations}${B64(salt)}${B64(tag)}");

    public static bool TryParseArgon2id(string encoded, out Argon2Parameters parameters, out byte[] salt, out byte[] tag)
    {
        parameters = default;
        salt = tag = [];
        var parts = encoded.Split('$');
        if (parts.Length != 6 || parts[0].Length != 0 || parts[1] != "argon2id" || parts[2] != "v=19")
        {
            return false;
        }

        var costs = parts[3].Split(',');
        if (costs.Length != 3
            || !TryParseParameter(costs[0], "m=", out var m) || !TryParseParameter(costs[1], "t=", out var t)
            || !TryParseParameter(costs[2], "p=", out var p)
            || p is < 1 or > Argon2Parameters.MaxParallelism || t is < 1 or > Argon2Parameters.MaxIterations
            || m < 8 * p || m > Argon2Parameters.MaxMemoryKiB)
        {
            return false;
        }

        parameters = new Argon2Parameters(m, t, p);
        return TryDecode(parts[4], MinSaltBytes, out salt) && TryDecode(parts[5], MinTagBytes, out tag);
    }

    public static bool TryParsePbkdf2(string encoded, out int iterations, out byte[] salt, out byte[] tag) =>
        TryParsePbkdf2(encoded, out var prf, out iterations, out salt, out tag) && prf == HashAlgorithmName.SHA512;

    /// <summary>
    /// PBKDF2 in the PHC string format (<c>$pbkdf2-sha1|sha256|sha512$i=..$salt$tag</c>, standard base64 without
    /// padding): Warden's own fallback is SHA-512; the others come from imports.
    /// </summary>
    public static bool TryParsePbkdf2(string encoded, out HashAlgorithmName prf, out int iterations, out byte[] salt, out byte[] tag)
    {
        iterations = 0;
        salt = tag = [];
        var parts = encoded.Split('$');
        prf = parts.Length == 5 ? PrfOf(parts[1], "pbkdf2-") : default;
        return parts.Length == 5 && parts[0].Length == 0 && prf != default
            && TryParseParameter(parts[2], "i=", out iterations) && iterations is >= 1 and <= Pbkdf2Parameters.MaxIterations
            && TryDecode(parts[3], MinSaltBytes, out salt) && TryDecode(parts[4], MinTagBytes, out tag);
    }

    /// <summary>
    /// Django's PBKDF2 (<c>pbkdf2_sha256$iterations$salt$hash</c>, also <c>pbkdf2_sha1</c>): the salt is used as its
    /// text, the hash is padded base64 of the full digest length.
    /// </summary>
    public static bool TryParseDjangoPbkdf2(string encoded, out HashAlgorithmName prf, out int iterations, out byte[] salt, out byte[] tag)
    {
        iterations = 0;
        salt = tag = [];
        var parts = encoded.Split('$');
        prf = parts.Length == 4 ? PrfOf(parts[0], "pbkdf2_") : default;
        if (prf == default || prf == HashAlgorithmName.SHA512
            || parts[1].Length is 0 or > 9 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations)
            || iterations is < 1 or > Pbkdf2Parameters.MaxIterations
            || parts[2].Length is < 1 or > MaxBytes || !parts[2].All(c => char.IsAscii(c) && !char.IsControl(c)))
        {
            return false;
        }

        salt = System.Text.Encoding.ASCII.GetBytes(parts[2]);
        var digestBytes = prf == HashAlgorithmName.SHA1 ? 20 : 32;
        var buffer = new byte[MaxBytes];
        if (!Convert.TryFromBase64String(parts[3], buffer, out var length) || length != digestBytes
            || Convert.ToBase64String(buffer, 0, length) != parts[3])
        {
            return false;
        }

        tag = buffer[..length];
        return true;
    }

    /// <summary>bcrypt (<c>$2a$</c>, <c>$2b$</c>, <c>$2y$</c>): cost, 22 characters of salt, 31 of hash, bcrypt's own base64.</summary>
    public static bool TryParseBcrypt(string encoded, out int cost)
    {
        cost = 0;
        return encoded.Length == 60 && encoded[0] == '$' && encoded[1] == '2' && encoded[2] is 'a' or 'b' or 'y' && encoded[3] == '$'
            && char.IsAsciiDigit(encoded[4]) && char.IsAsciiDigit(encoded[5]) && encoded[6] == '$'
            && int.TryParse(encoded.AsSpan(4, 2), NumberStyles.None, CultureInfo.InvariantCulture, out cost) && cost is >= 4 and <= 31
            && encoded.AsSpan(7).IndexOfAnyExcept(BcryptAlphabet) < 0;
    }

    private static readonly System.Buffers.SearchValues<char> BcryptAlphabet =
        System.Buffers.SearchValues.Create("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");

    private static HashAlgorithmName PrfOf(string name, string prefix) => name.StartsWith(prefix, StringComparison.Ordinal)
        ? name[prefix.Length..] switch
        {
            "sha1" => HashAlgorithmName.SHA1,
            "sha256" => HashAlgorithmName.SHA256,
            "sha512" => HashAlgorithmName.SHA512,
            _ => default,
        }
        : default;

    /// <summary>An ASP.NET Core Identity hash: V2 (format byte 0) or V3 (format byte 1), as its PasswordHasher reads them.</summary>
    public static bool TryParseIdentity(string encoded, out HashAlgorithmName prf, out int iterations, out byte[] salt, out byte[] subkey)
    {
        prf = default;
        iterations = 0;
        salt = subkey = [];
        var buffer = new byte[encoded.Length];
        if (encoded.Length == 0 || !Convert.TryFromBase64String(encoded, buffer, out var length))
        {
            return false;
        }

        var bytes = buffer.AsSpan(0, length);
        if (bytes[0] == 0x00)
        {
            // V2: PBKDF2-HMAC-SHA1, 1000 iterations, 128-bit salt, 256-bit subkey.
            if (bytes.Length != 1 + 16 + 32)
            {
                return false;
            }

            (prf, iterations, salt, subkey) = (HashAlgorithmName.SHA1, 1000, bytes.Slice(1, 16).ToArray(), bytes.Slice(17).ToArray());
            return true;
        }

        if (bytes[0] != 0x01 || bytes.Length < 13)
        {
            return false;
        }

        // V3: format byte, then big-endian PRF, iteration count and salt length, then salt and subkey.
        var prfId = BinaryPrimitives.ReadUInt32BigEndian(bytes.Slice(1));
        var iterationCount = BinaryPrimitives.ReadUInt32BigEndian(bytes.Slice(5));
        var saltLength = BinaryPrimitives.ReadUInt32BigEndian(bytes.Slice(9));
        if (prfId > 2 || iterationCount is < 1 or > Pbkdf2Parameters.MaxIterations || saltLength < 16 || saltLength > bytes.Length - 13)
        {
            return false;
        }

        var subkeyLength = bytes.Length - 13 - (int)saltLength;
        if (subkeyLength < 16)
        {
            return false;
        }

        prf = prfId switch { 0 => HashAlgorithmName.SHA1, 1 => HashAlgorithmName.SHA256, _ => HashAlgorithmName.SHA512 };
        iterations = (int)iterationCount;
        salt = bytes.Slice(13, (int)saltLength).ToArray();
        subkey = bytes.Slice(13 + (int)saltLength).ToArray();
        return true;
    }

    /// <summary>
    /// Compares a computed tag with a stored one in time that depends only on the length, so the response time
    /// of a login tells nothing about how many leading bytes of a guess were right.
    /// </summary>
    public static bool TagsEqual(ReadOnlySpan<byte> computed, ReadOnlySpan<byte> stored) =>
        CryptographicOperations.FixedTimeEquals(computed, stored);

    private static bool TryParseParameter(string text, string prefix, out int value)
    {
        value = 0;
        return text.StartsWith(prefix, StringComparison.Ordinal)
            && text.Length > prefix.Length && text.Length <= prefix.Length + 9
            && int.TryParse(text.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>PHC strings use standard base64 without padding.</summary>
    private static bool TryDecode(string text, int minBytes, out byte[] bytes)
    {
        bytes = [];
        if (text.Length % 4 == 1 || text.Length > (MaxBytes * 4 / 3) + 4
            || !text.All(c => char.IsAsciiLetterOrDigit(c) || c == '+' || c == '/'))
        {
            return false;
        }

        var buffer = new byte[MaxBytes + 3];
        if (!Convert.TryFromBase64String(text + new string('=', (4 - (text.Length % 4)) % 4), buffer, out var length)
            || length < minBytes || length > MaxBytes)
        {
            return false;
        }

        // Only the canonical encoding: unused low bits of the last character must be zero, so one hash has one spelling.
        bytes = buffer[..length];
        return string.Equals(B64(bytes), text, StringComparison.Ordinal);
    }

    private static string B64(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=');
}
