using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Warden.Server.Infrastructure.Security;

/// <summary>
/// Wraps each Data Protection master key with AES-256-GCM under the key-encryption key before it is stored.
/// The element records the key's fingerprint so a wrong key file is reported as such, not as corruption.
/// </summary>
internal sealed class KeyEncryptionXmlEncryptor(KeyEncryptionKey kek) : IXmlEncryptor
{
    internal static readonly XName Root = "wardenEncryptedKey";
    internal static readonly byte[] AssociatedData = "warden:data-protection:kek:v1"u8.ToArray();

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        try
        {
            using var aes = new AesGcm(kek.Key, tag.Length);
            aes.Encrypt(nonce, plaintext, ciphertext, tag, AssociatedData);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        var element = new XElement(Root,
            new XComment(" AES-256-GCM under the key-encryption key of Warden:DataProtection:KeyFile "),
            new XAttribute("kek", kek.Fingerprint),
            new XElement("nonce", Convert.ToBase64String(nonce)),
            new XElement("ciphertext", Convert.ToBase64String(ciphertext)),
            new XElement("tag", Convert.ToBase64String(tag)));
        return new EncryptedXmlInfo(element, typeof(KeyEncryptionXmlDecryptor));
    }
}

/// <summary>
/// Reverses <see cref="KeyEncryptionXmlEncryptor"/>. Data Protection creates decryptors from the type name
/// stored in the key ring, with a constructor that takes the service provider.
/// </summary>
public sealed class KeyEncryptionXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var kek = services.GetRequiredService<KeyEncryptionKey>();
        return Decrypt(encryptedElement, kek.Key);
    }

    internal static XElement Decrypt(XElement encryptedElement, byte[] key)
    {
        if (encryptedElement.Name != KeyEncryptionXmlEncryptor.Root)
        {
            throw new CryptographicException("Not a key wrapped by Warden's key-encryption key.");
        }

        var expected = (string?)encryptedElement.Attribute("kek");
        var actual = KeyEncryptionKey.FingerprintOf(key);
        if (!string.Equals(expected, actual, StringComparison.Ordinal))
        {
            throw new CryptographicException(
                $"The Data Protection key ring was encrypted with key-encryption key {expected}, but {DataProtectionSettings.KeyFileSetting} holds key {actual}.");
        }

        var nonce = Convert.FromBase64String((string?)encryptedElement.Element("nonce") ?? "");
        var ciphertext = Convert.FromBase64String((string?)encryptedElement.Element("ciphertext") ?? "");
        var tag = Convert.FromBase64String((string?)encryptedElement.Element("tag") ?? "");
        var plaintext = new byte[ciphertext.Length];
        try
        {
            using var aes = new AesGcm(key, AesGcm.TagByteSizes.MaxSize);
            aes.Decrypt(nonce, ciphertext, tag, plaintext, KeyEncryptionXmlEncryptor.AssociatedData);
            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}
