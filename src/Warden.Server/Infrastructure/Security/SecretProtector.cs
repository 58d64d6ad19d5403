using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Warden.Server.Infrastructure.Security;

/// <summary>The kinds of secret Warden stores encrypted; each is read back as the kind it was written as.</summary>
public enum SecretKind
{
    PhoneNumber,
    TotpSecret,
    WebhookSecret,
    IdentityProviderSecret,
}

/// <summary>
/// Encrypts the secrets Warden stores (phone numbers, TOTP secrets, webhook secrets) with Data Protection,
/// whose key ring every node shares through the database. Protected values are authenticated: a tampered
/// value, or one read without the key-encryption key, throws instead of decrypting to garbage.
/// Each <see cref="SecretKind"/> has a purpose of its own, so a value copied from one column into another (a webhook
/// secret into the phone number a profile shows back) does not decrypt there.
/// </summary>
public sealed class SecretProtector
{
    /// <summary>The one purpose every kind shared before; what was written under it is still read (never written).</summary>
    internal const string LegacyPurpose = "Warden.Secrets.v1";

    private readonly IDataProtector _legacy;
    private readonly Dictionary<SecretKind, IDataProtector> _protectors;

    public SecretProtector(IDataProtectionProvider provider)
    {
        _legacy = provider.CreateProtector(LegacyPurpose);
        _protectors = Enum.GetValues<SecretKind>().ToDictionary(kind => kind, kind => provider.CreateProtector("Warden.Secrets.v2", kind.ToString()));
    }

    public string Protect(SecretKind kind, string plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        return ProtectorFor(kind).Protect(plaintext);
    }

    /// <exception cref="CryptographicException">The value was altered, is of another kind, or its key is unavailable.</exception>
    public string Unprotect(SecretKind kind, string protectedValue)
    {
        ArgumentNullException.ThrowIfNull(protectedValue);
        try
        {
            return ProtectorFor(kind).Unprotect(protectedValue);
        }
        catch (CryptographicException)
        {
            // Written before one purpose per kind. Those values can still be moved between columns until they are
            // rewritten (a new phone number, a re-enrolled authenticator, a new webhook); new values cannot.
            return _legacy.Unprotect(protectedValue);
        }
    }

    private IDataProtector ProtectorFor(SecretKind kind) =>
        _protectors.TryGetValue(kind, out var protector) ? protector : throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
}
