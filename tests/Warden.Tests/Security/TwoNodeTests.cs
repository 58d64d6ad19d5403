using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Security;
using Warden.Tests.Infrastructure;
using static Warden.Tests.Security.TokenForgery;

namespace Warden.Tests.Security;

/// <summary>Two Warden nodes on one database and one key-encryption key, as behind a load balancer.</summary>
public sealed class TwoNodeTests : IDisposable
{
    private readonly WardenFactory _first = new();
    private readonly WardenFactory _second;

    public TwoNodeTests()
    {
        _second = WardenFactory.OnExistingStorage(_first.DataDirectory, _first.ConnectionString);
        _second.Time.Set(_first.Time.GetUtcNow());
    }

    public void Dispose()
    {
        _second.Dispose();
        _first.Dispose();
    }

    private static T Service<T>(WardenFactory node) where T : notnull => node.Services.GetRequiredService<T>();

    private static string Kid(string token) => (string)Split(token).Header["kid"]!;

    [Fact]
    public async Task SecondNodeReadsTheSameSigningKeysAndDataProtectionKeyRing()
    {
        var firstJwks = await (await _first.CreateClient().GetAsync("/.well-known/jwks.json")).Content.ReadAsStringAsync();
        var secret = Service<SecretProtector>(_first).Protect(SecretKind.PhoneNumber, "+44 20 7946 0000");
        var token = (await Service<AccessTokenService>(_first).IssueAsync(Subject())).Token;

        var secondJwks = await (await _second.CreateClient().GetAsync("/.well-known/jwks.json")).Content.ReadAsStringAsync();

        Assert.Equal(firstJwks, secondJwks);
        Assert.NotNull(await Service<AccessTokenService>(_second).ValidateAsync(token));
        Assert.Equal("+44 20 7946 0000", Service<SecretProtector>(_second).Unprotect(SecretKind.PhoneNumber, secret));
        var back = Service<SecretProtector>(_second).Protect(SecretKind.TotpSecret, "JBSWY3DPEHPK3PXP");
        Assert.Equal("JBSWY3DPEHPK3PXP", Service<SecretProtector>(_first).Unprotect(SecretKind.TotpSecret, back));
        var secondToken = (await Service<AccessTokenService>(_second).IssueAsync(Subject())).Token;
        Assert.Equal(Kid(token), Kid(secondToken));
        Assert.NotNull(await Service<AccessTokenService>(_first).ValidateAsync(secondToken));

        await _first.InDbAsync(async db =>
        {
            Assert.Equal(1, await db.SigningKeys.CountAsync());
            Assert.Equal(1, await db.DataProtectionKeys.CountAsync());
        });
    }

    [Fact]
    public async Task KeyCreatedByAnotherNodeIsAcceptedAtOnce()
    {
        _ = _first.Server;
        _ = _second.Server;
        var firstTokens = Service<AccessTokenService>(_first);
        var secondTokens = Service<AccessTokenService>(_second);
        var original = (await secondTokens.IssueAsync(Subject())).Token;

        // The first node rotates on its own (its clock passed the rotation); the second has never seen the new
        // key, and learns it from the database when a token names it.
        var rotation = TimeSpan.FromDays(30) + TimeSpan.FromMinutes(1);
        _first.Time.Advance(rotation);
        var rotated = (await firstTokens.IssueAsync(Subject())).Token;
        Assert.NotEqual(Kid(original), Kid(rotated));
        _second.Time.Advance(rotation);

        Assert.NotNull(await secondTokens.ValidateAsync(rotated));
        Assert.Equal(Kid(rotated), Kid((await secondTokens.IssueAsync(Subject())).Token));
    }

    [Fact]
    public async Task NodesThatCreatedKeysAtTheSameMomentSignWithTheSameOne()
    {
        _ = _first.Server;
        _ = _second.Server;

        // A second key with the same activation, as when two nodes start together on an empty database.
        var store = Service<SigningKeyStore>(_second);
        await _second.InDbAsync(async db =>
        {
            var existing = await db.SigningKeys.AsNoTracking().SingleAsync();
            using var rsa = System.Security.Cryptography.RSA.Create(2048);
            db.SigningKeys.Add(new SigningKey
            {
                Id = SigningKeyStore.Thumbprint(rsa.ExportParameters(false)),
                Algorithm = existing.Algorithm,
                PublicKey = Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()),
                ProtectedPrivateKey = Microsoft.AspNetCore.DataProtection.DataProtectionCommonExtensions.Protect(
                    Service<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>(_second).CreateProtector("Warden.SigningKeys.v1"),
                    Convert.ToBase64String(rsa.ExportPkcs8PrivateKey())),
                CreatedAt = existing.CreatedAt,
                ActivatesAt = existing.ActivatesAt,
                RetiresAt = existing.RetiresAt,
                ExpiresAt = existing.ExpiresAt,
            });
            await db.SaveChangesAsync();
        });

        await Service<SigningKeyStore>(_first).EnsureKeysAsync();
        await store.EnsureKeysAsync();
        var fromFirst = (await Service<AccessTokenService>(_first).IssueAsync(Subject())).Token;
        var fromSecond = (await Service<AccessTokenService>(_second).IssueAsync(Subject())).Token;

        Assert.Equal(Kid(fromFirst), Kid(fromSecond));
        Assert.NotNull(await Service<AccessTokenService>(_second).ValidateAsync(fromFirst));
        Assert.NotNull(await Service<AccessTokenService>(_first).ValidateAsync(fromSecond));
        Assert.Equal(2, (await store.GetPublishedKeysAsync()).Count);
    }
}
