using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Security;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Security;

/// <summary>
/// Each kind of stored secret is encrypted under its own Data Protection purpose, so a ciphertext copied from one
/// column into another (a webhook secret into the phone number an API shows back) does not decrypt there.
/// </summary>
public sealed class SecretPurposeTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private SecretProtector Protector => factory.Services.GetRequiredService<SecretProtector>();

    [Theory]
    [InlineData(SecretKind.WebhookSecret, SecretKind.PhoneNumber)]
    [InlineData(SecretKind.TotpSecret, SecretKind.PhoneNumber)]
    [InlineData(SecretKind.PhoneNumber, SecretKind.TotpSecret)]
    [InlineData(SecretKind.WebhookSecret, SecretKind.TotpSecret)]
    public void ASecretOfOneKindDoesNotDecryptAsAnother(SecretKind written, SecretKind read)
    {
        var ciphertext = Protector.Protect(written, "whsec_moved-to-another-column");
        Assert.Equal("whsec_moved-to-another-column", Protector.Unprotect(written, ciphertext));
        Assert.ThrowsAny<CryptographicException>(() => Protector.Unprotect(read, ciphertext));
    }

    [Theory]
    [InlineData(SecretKind.PhoneNumber)]
    [InlineData(SecretKind.TotpSecret)]
    [InlineData(SecretKind.WebhookSecret)]
    public void ValuesWrittenUnderTheFormerSharedPurposeStillDecrypt(SecretKind kind)
    {
        // What releases before one purpose per kind wrote into every column.
        var legacy = factory.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("Warden.Secrets.v1").Protect("+44 20 7946 0000");
        Assert.Equal("+44 20 7946 0000", Protector.Unprotect(kind, legacy));
    }
}
