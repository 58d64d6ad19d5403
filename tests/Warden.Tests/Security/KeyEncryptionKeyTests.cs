using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Warden.Server;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Infrastructure.Security;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Security;

/// <summary>The Data Protection key ring lives in the database; the key that opens it does not.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class KeyEncryptionKeyTests : IDisposable
{
    private readonly WardenFactory _node = new();

    public void Dispose() => _node.Dispose();

    private string DefaultKeyFile => Path.Combine(_node.DataDirectory, "keys", "data-protection.key");

    private async Task<string> ProtectASecretAsync()
    {
        _ = _node.Server;
        await Task.CompletedTask;
        return _node.Services.GetRequiredService<SecretProtector>().Protect(SecretKind.WebhookSecret, "webhook-secret-value");
    }

    private async Task<List<string>> StoredKeyRingAsync()
    {
        return await _node.InDbAsync(async db =>
        {
            return await db.DataProtectionKeys.Select(k => k.Xml).ToListAsync();
        });
    }

    /// <summary>What the server prints when it refuses to start (the command line turns the failure into exit code 2).</summary>
    private static async Task<string> StartupErrorAsync(WardenFactory node)
    {
        var (started, error) = await ConsoleCollection.CaptureErrorAsync(() =>
        {
            try
            {
                node.CreateClient();
                return Task.FromResult(true);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or OptionsValidationException)
            {
                return Task.FromResult(false);
            }
        });
        Assert.False(started, "the server started");
        Assert.Contains("Warden cannot start", error, StringComparison.Ordinal);
        return error;
    }

    private static string NewKeyFile()
    {
        var path = Path.Combine(Path.GetTempPath(), "warden-tests", Guid.NewGuid().ToString("N") + ".key");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        return path;
    }

    [Fact]
    public async Task FirstStartGeneratesAPrivateKeyFileUnderTheDataDirectory()
    {
        await ProtectASecretAsync();

        Assert.True(File.Exists(DefaultKeyFile));
        Assert.Equal(32, Convert.FromBase64String(File.ReadAllText(DefaultKeyFile).Trim()).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DefaultKeyFile));
        }
    }

    [Fact]
    public async Task KeyRingIsStoredOnlyInEncryptedForm()
    {
        var secret = await ProtectASecretAsync();
        var ring = await StoredKeyRingAsync();

        Assert.NotEmpty(ring);
        foreach (var xml in ring)
        {
            var element = XElement.Parse(xml);
            Assert.Empty(element.Descendants("masterKey")); // Data Protection's plaintext form of the key
            var wrapped = Assert.Single(element.Descendants("wardenEncryptedKey"));
            var key = Convert.FromBase64String(File.ReadAllText(DefaultKeyFile).Trim());
            Assert.Contains("masterKey", KeyEncryptionXmlDecryptor.Decrypt(wrapped, key).ToString(), StringComparison.Ordinal);
            Assert.Throws<CryptographicException>(() => KeyEncryptionXmlDecryptor.Decrypt(wrapped, RandomNumberGenerator.GetBytes(32)));
        }

        Assert.Equal("webhook-secret-value", _node.Services.GetRequiredService<SecretProtector>().Unprotect(SecretKind.WebhookSecret, secret));
    }

    [Fact]
    public async Task TamperedSecretDoesNotDecrypt()
    {
        var secret = await ProtectASecretAsync();
        var tampered = secret[..^3] + (secret[^3] == 'A' ? 'B' : 'A') + secret[^2..];
        Assert.ThrowsAny<CryptographicException>(() => _node.Services.GetRequiredService<SecretProtector>().Unprotect(SecretKind.WebhookSecret, tampered));
    }

    [Fact]
    public async Task StoredSecretsCannotBeReadWithoutTheKeyEncryptionKey()
    {
        var secret = await ProtectASecretAsync();
        var countBefore = (await StoredKeyRingAsync()).Count;

        // Whoever has the database but another key file (or none) gets nothing out of it.
        foreach (var keyFile in new[] { NewKeyFile(), Path.Combine(Path.GetTempPath(), "warden-tests", "missing.key") })
        {
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSingleton(new KeyEncryptionKey(
                Options.Create(new DataProtectionSettings { KeyFile = keyFile }),
                Options.Create(new WardenOptions { DataDirectory = _node.DataDirectory }),
                NullLogger<KeyEncryptionKey>.Instance));
            services.AddDataProtection().SetApplicationName(DataProtectionSettings.ApplicationName);
            services.Configure<KeyManagementOptions>(options =>
            {
                options.XmlRepository = new DatabaseXmlRepository(_node.Services.GetRequiredService<IServiceScopeFactory>(), TimeProvider.System);
                options.AutoGenerateKeys = false;
            });
            await using var provider = services.BuildServiceProvider();
            var outsider = new SecretProtector(provider.GetRequiredService<IDataProtectionProvider>());

            Assert.ThrowsAny<CryptographicException>(() => outsider.Unprotect(SecretKind.WebhookSecret, secret));
        }

        Assert.Equal(countBefore, (await StoredKeyRingAsync()).Count);
    }

    [Fact]
    public async Task StartRefusesWhenTheKeyFileIsMissingAndNamesTheSetting()
    {
        await ProtectASecretAsync();
        File.Delete(DefaultKeyFile);

        using var second = WardenFactory.OnExistingStorage(_node.DataDirectory, _node.ConnectionString);
        var error = await StartupErrorAsync(second);

        Assert.Contains("Warden:DataProtection:KeyFile", error, StringComparison.Ordinal);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
        Assert.False(File.Exists(DefaultKeyFile), "a new key file must not be generated for an existing key ring");
    }

    [Fact]
    public async Task StartRefusesWhenTheKeyFileIsAnotherKey()
    {
        await ProtectASecretAsync();
        var ringBefore = await StoredKeyRingAsync();

        using var second = WardenFactory.OnExistingStorage(_node.DataDirectory, _node.ConnectionString)
            .With("Warden:DataProtection:KeyFile", NewKeyFile());
        var error = await StartupErrorAsync(second);

        Assert.Contains("Warden:DataProtection:KeyFile", error, StringComparison.Ordinal);
        Assert.Contains("does not open", error, StringComparison.Ordinal);

        // Refused before Data Protection loaded the ring: it would otherwise have added a key wrapped in the wrong key.
        Assert.Equal(ringBefore, await StoredKeyRingAsync());
    }

    [Fact]
    public async Task StartWithAMalformedKeyFileIsRefused()
    {
        await ProtectASecretAsync();
        var malformed = NewKeyFile();
        await File.WriteAllTextAsync(malformed, "not a key");

        using var second = WardenFactory.OnExistingStorage(_node.DataDirectory, _node.ConnectionString)
            .With("Warden:DataProtection:KeyFile", malformed);
        var error = await StartupErrorAsync(second);

        Assert.Contains("32 random bytes", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerStartedWithoutTheKeyFileSaysWhyAndExitsWithCode2()
    {
        await ProtectASecretAsync();
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            $"--Warden:DataDirectory={_node.DataDirectory}",
            $"--Warden:Database:Provider={TestDatabase.ProviderName}",
            .. _node.ConnectionString is null ? Array.Empty<string>() : [$"--Warden:Database:ConnectionString={_node.ConnectionString}"],
            $"--Warden:DataProtection:KeyFile={Path.Combine(_node.DataDirectory, "elsewhere.key")}",
        ];

        var (exitCode, error) = await ConsoleCollection.CaptureErrorAsync(() => Program.Main(args));

        Assert.Equal(2, exitCode);
        Assert.Contains("Warden:DataProtection:KeyFile", error, StringComparison.Ordinal);
        Assert.Contains("elsewhere.key", error, StringComparison.Ordinal);
    }
}
