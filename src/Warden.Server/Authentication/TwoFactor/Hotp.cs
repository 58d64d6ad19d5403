using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace Warden.Server.Authentication.TwoFactor;

/// <summary>The HMAC behind a one-time password (the <c>algorithm</c> parameter of an otpauth URI).</summary>
public enum OtpAlgorithm
{
    Sha1,
    Sha256,
    Sha512,
}

/// <summary>HMAC-based one-time passwords (RFC 4226), the building block of TOTP.</summary>
public static class Hotp
{
    public const int MinDigits = 6;
    public const int MaxDigits = 8;

    private static readonly int[] PowersOfTen = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

    /// <summary>The code for <paramref name="counter"/>, left-padded with zeros to <paramref name="digits"/> digits.</summary>
    public static string Generate(ReadOnlySpan<byte> secret, long counter, int digits = 6, OtpAlgorithm algorithm = OtpAlgorithm.Sha1)
    {
        ValidateDigits(digits);
        if (secret.IsEmpty)
        {
            throw new ArgumentException("The secret must not be empty.", nameof(secret));
        }

        Span<byte> message = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(message, counter);

        Span<byte> mac = stackalloc byte[HMACSHA512.HashSizeInBytes];
        var length = algorithm switch
        {
            // HMAC-SHA1 is what RFC 4226 specifies and what every authenticator app defaults to. SHA-1's
            // collision weakness does not carry over to HMAC with a secret key (RFC 6194 section 3.3).
#pragma warning disable CA5350
            OtpAlgorithm.Sha1 => HMACSHA1.HashData(secret, message, mac),
#pragma warning restore CA5350
            OtpAlgorithm.Sha256 => HMACSHA256.HashData(secret, message, mac),
            OtpAlgorithm.Sha512 => HMACSHA512.HashData(secret, message, mac),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown OTP algorithm."),
        };

        // Dynamic truncation (RFC 4226 section 5.3): the low nibble of the last byte picks four bytes,
        // whose top bit is dropped so the value is the same signed or unsigned on every platform.
        var offset = mac[length - 1] & 0x0F;
        var binary = BinaryPrimitives.ReadInt32BigEndian(mac.Slice(offset, 4)) & 0x7FFF_FFFF;
        CryptographicOperations.ZeroMemory(mac);

        return (binary % PowersOfTen[digits]).ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0');
    }

    internal static void ValidateDigits(int digits)
    {
        if (digits is < MinDigits or > MaxDigits)
        {
            throw new ArgumentOutOfRangeException(nameof(digits), digits, $"Codes have {MinDigits} to {MaxDigits} digits.");
        }
    }
}
