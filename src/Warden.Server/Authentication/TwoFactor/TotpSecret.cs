using System.Security.Cryptography;

namespace Warden.Server.Authentication.TwoFactor;

/// <summary>New TOTP shared secrets.</summary>
public static class TotpSecret
{
    /// <summary>160 bits: the HMAC-SHA1 block-sized key RFC 4226 recommends, and 32 base32 characters to type.</summary>
    public const int SizeInBytes = 20;

    /// <summary>A fresh random secret. Store it encrypted (Data Protection), never in a log or an event.</summary>
    public static byte[] Generate() => RandomNumberGenerator.GetBytes(SizeInBytes);
}
