using Microsoft.AspNetCore.DataProtection;

namespace Warden.Server.Infrastructure.Security;

/// <summary>The kinds of secret Warden stores encrypted; each is read back as the kind it was written as.</summary>
public enum SecretKind
{
    PhoneNumber,
    TotpSecret,
    WebhookSecret,
}

/// <summary>
/// Encrypts the secrets Warden stores (phone numbers, TOTP secrets, webhook secrets) with Data Protection,
/// whose key ring every node shares through the database. Protected values are authenticated: a tampered
/// value, or one read without the key-encryption key, throws instead of decrypting to garbage.
/// </summary>
public sealed class SecretProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Warden.Secrets.v1");

    public string Protect(SecretKind kind, string plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        return _protector.Protect(plaintext);
    }

    /// <exception cref="System.Security.Cryptography.CryptographicException">The value was altered or its key is unavailable.</exception>
    public string Unprotect(SecretKind kind, string protectedValue)
    {
        ArgumentNullException.ThrowIfNull(protectedValue);
        return _protector.Unprotect(protectedValue);
    }
}
