using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Warden.Server.Authentication.TwoFactor;

/// <summary>The six-digit codes Warden sends by SMS or email during sign-in.</summary>
public static class OneTimeCodes
{
    public const int Digits = 6;

    /// <summary>A uniform code from 000000 to 999999 (GetInt32 rejects rather than biases with a modulo).</summary>
    public static string Generate() =>
        RandomNumberGenerator.GetInt32(1_000_000).ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>Exactly six ASCII digits; anything else is refused before it is hashed or counted as a guess.</summary>
    public static bool IsWellFormed([NotNullWhen(true)] string? code) =>
        code is { Length: Digits } && code.All(char.IsAsciiDigit);
}

/// <summary>
/// Hashes one-time codes for storage. There are only a million six-digit codes, so a plain SHA-256 — even
/// salted with the challenge id — is reversed offline in well under a second by anyone who reads the
/// database (a backup, a replica, an SQL injection elsewhere), within the code's lifetime. The hash is
/// therefore an HMAC-SHA256 keyed with a server secret that is not in the database
/// (<see cref="TwoFactorOptions.CodeHashKey"/>, or a key file under the data directory): without that key
/// a stolen hash is worthless. The challenge id is part of the message, so a hash cannot be replayed
/// onto another challenge.
/// </summary>
public sealed class OneTimeCodeHasher
{
    public const int MinKeySizeInBytes = 32;

    private readonly byte[] _key;

    public OneTimeCodeHasher(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < MinKeySizeInBytes)
        {
            throw new ArgumentException($"The key must be at least {MinKeySizeInBytes} bytes.", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary>Lower-case hex HMAC-SHA256 of the challenge id and the code.</summary>
    public string Hash(Guid challengeId, string code)
    {
        if (!OneTimeCodes.IsWellFormed(code))
        {
            throw new FormatException("A one-time code is six ASCII digits.");
        }

        return Convert.ToHexStringLower(Mac(challengeId, code));
    }

    /// <summary>Whether <paramref name="code"/> is the code behind <paramref name="storedHash"/>, compared in constant time.</summary>
    public bool Matches(Guid challengeId, string? code, string storedHash)
    {
        ArgumentNullException.ThrowIfNull(storedHash);
        if (!OneTimeCodes.IsWellFormed(code))
        {
            return false;
        }

        var presented = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(Mac(challengeId, code)));
        return CryptographicOperations.FixedTimeEquals(presented, Encoding.ASCII.GetBytes(storedHash));
    }

    private byte[] Mac(Guid challengeId, string code) =>
        HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes($"warden-one-time-code-v1:{challengeId:D}:{code}"));
}
