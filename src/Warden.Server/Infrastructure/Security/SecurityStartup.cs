using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Security;

/// <summary>
/// Before the server takes requests: reports which password hash is in use, checks that the key-encryption
/// key opens the stored Data Protection key ring (refusing to start when it does not), and makes sure a
/// signing key exists so the first sign-in is not slow. Then, every refresh interval, reloads the signing
/// keys and publishes a successor ahead of rotation.
/// </summary>
internal sealed partial class SecurityStartup(
    DatabaseInitializer database,
    KeyEncryptionKey kek,
    SigningKeyStore keys,
    WardenPasswordHasher hasher,
    IOptions<PasswordHashingOptions> hashing,
    IOptions<AccessTokenOptions> tokens,
    IServiceScopeFactory scopes,
    FirstRoundsGate gate,
    TimeProvider time,
    ILogger<SecurityStartup> logger) : PeriodicJob(scopes, gate, time)
{
    private bool _initialized;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (hasher.UsesArgon2)
        {
            LogHasher(logger, hasher.Description, hasher.MaxConcurrency);
        }
        else
        {
            LogHasherFallback(logger, hasher.Description, hasher.MaxConcurrency);
        }

        if (hashing.Value.IsBelowRecommendation)
        {
            LogWeakHashing(logger, PasswordHashingOptions.Section);
        }

        // Computed now, so the first login of an unknown user takes no longer than later ones.
        _ = hasher.DummyHash;

        // The first round, before requests. With migrations pending (MigrateOnStart off) DatabaseStartup has said
        // why, and the rounds that follow check the keys once the schema is there.
        await RunOnceAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    /// <summary>The first round runs in <see cref="StartAsync"/>, so the loop waits before each one.</summary>
    protected override bool WaitsBeforeFirstRun => true;

    protected override TimeSpan Interval => tokens.Value.KeyRefreshInterval;

    protected override void LogFailed(Exception exception) => LogMaintenanceFailed(logger, exception);

    protected override async Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        if (!_initialized)
        {
            if (!await database.HasPendingMigrationsAsync(cancellationToken))
            {
                await InitializeAsync(services, cancellationToken);
            }
        }
        else
        {
            await keys.EnsureKeysAsync(cancellationToken);
        }

        return 0; // nothing to count
    }

    private async Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await CheckKeyEncryptionKeyAsync(services, cancellationToken);
        await keys.EnsureKeysAsync(cancellationToken);
        _initialized = true;
    }

    /// <summary>
    /// A key ring in the database with a missing or different key-encryption key means every protected secret is
    /// unreadable. Generating a fresh key would hide that and strand the secrets for good, so Warden stops instead
    /// (as a configuration error: the message names the setting and the exit code is 2).
    /// </summary>
    internal async Task CheckKeyEncryptionKeyAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<WardenDbContext>();
        var stored = await db.DataProtectionKeys.AsNoTracking().Select(k => k.Xml).ToListAsync(cancellationToken);
        if (!kek.Exists)
        {
            if (stored.Count > 0)
            {
                throw Refuse(
                    $"The database holds a Data Protection key ring ({stored.Count} key(s)), but the key-encryption key file '{kek.FilePath}' " +
                    $"does not exist. Set {DataProtectionSettings.KeyFileSetting} to the key file this key ring was created with. " +
                    "Warden does not generate a new one: protected secrets (phone numbers, TOTP secrets, signing keys) would become unreadable.");
            }

            kek.Generate();
            return;
        }

        byte[] key;
        try
        {
            key = kek.Key;
        }
        catch (CryptographicException ex)
        {
            throw Refuse(ex.Message);
        }

        foreach (var xml in stored)
        {
            var element = XElement.Parse(xml);
            if (element.Name != "key")
            {
                continue; // revocations carry no secret
            }

            var wrapped = element.Descendants(KeyEncryptionXmlEncryptor.Root).FirstOrDefault();
            try
            {
                if (wrapped is null)
                {
                    throw new CryptographicException("A key of the ring is not wrapped by a key-encryption key.");
                }

                KeyEncryptionXmlDecryptor.Decrypt(wrapped, key);
            }
            catch (CryptographicException ex)
            {
                throw Refuse(
                    $"The key-encryption key file '{kek.FilePath}' ({DataProtectionSettings.KeyFileSetting}) does not open the Data Protection " +
                    $"key ring stored in the database: {ex.Message} Set {DataProtectionSettings.KeyFileSetting} to the key file this key ring was created with.");
            }
        }
    }

    private static OptionsValidationException Refuse(string message) =>
        new(DataProtectionSettings.Section, typeof(DataProtectionSettings), [message]);

    [LoggerMessage(Level = LogLevel.Information, Message = "Password hashing: {Description}, at most {Concurrency} at once")]
    private static partial void LogHasher(ILogger logger, string description, int concurrency);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Password hashing: {Description}, at most {Concurrency} at once (Argon2id is off or libsodium cannot load on this platform)")]
    private static partial void LogHasherFallback(ILogger logger, string description, int concurrency);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Section} is set below OWASP's recommended cost; use such settings only for tests")]
    private static partial void LogWeakHashing(ILogger logger, string section);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Signing key maintenance failed; retrying at the next refresh")]
    private static partial void LogMaintenanceFailed(ILogger logger, Exception exception);
}
