using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Infrastructure.Security;

/// <summary>
/// Warden's token signing keys: created and rotated in the database (shared by every node) and cached in
/// memory, because validation runs on every authenticated request. Each node reloads the keys periodically
/// and, at most every few seconds, when a token names a key it does not know (another node may have just
/// created it). Several nodes may create a key at the same moment; all such keys are published, and every
/// node signs with the same one (latest activation, then highest id), so they never confuse each other.
/// </summary>
public sealed partial class SigningKeyStore(
    IServiceScopeFactory scopes,
    IDataProtectionProvider dataProtection,
    IOptions<AccessTokenOptions> options,
    TimeProvider time,
    ILogger<SigningKeyStore> logger) : IDisposable
{
    public const string Algorithm = SecurityAlgorithms.RsaSha256;
    private const int KeySizeBits = 2048;

    /// <summary>An unknown kid triggers a reload at most this often, so forged kids cannot flood the database.</summary>
    internal static readonly TimeSpan UnknownKidRefreshInterval = TimeSpan.FromSeconds(2);

    /// <summary>Published beyond the last token's expiry, for clock differences between nodes.</summary>
    internal static readonly TimeSpan ExpiryMargin = TimeSpan.FromMinutes(5);

    private readonly IDataProtector _protector = dataProtection.CreateProtector("Warden.SigningKeys.v1");
    private readonly SemaphoreSlim _lock = new(1, 1);
    private volatile IReadOnlyList<CachedKey> _keys = [];
    private long _loadedAt;
    private long _unknownKidRefreshAt;
    private bool _loaded;
    private CancellationTokenSource _changed = new();

    internal sealed class CachedKey(SigningKey row, IDataProtector protector)
    {
        private readonly Lazy<SigningCredentials> _credentials = new(() =>
        {
            var rsa = RSA.Create();
            var pkcs8 = Convert.FromBase64String(protector.Unprotect(row.ProtectedPrivateKey));
            try
            {
                rsa.ImportPkcs8PrivateKey(pkcs8, out _);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }

            return new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = row.Id }, Algorithm);
        });

        public string Id { get; } = row.Id;
        public DateTimeOffset ActivatesAt { get; } = row.ActivatesAt;
        public DateTimeOffset RetiresAt { get; } = row.RetiresAt;
        public DateTimeOffset ExpiresAt { get; } = row.ExpiresAt;
        public RsaSecurityKey PublicKey { get; } = CreatePublicKey(row);

        public bool SameTimesAs(SigningKey other) =>
            ActivatesAt == other.ActivatesAt && RetiresAt == other.RetiresAt && ExpiresAt == other.ExpiresAt;

        /// <summary>The private key, decrypted on first use (only signing needs it).</summary>
        public SigningCredentials Credentials => _credentials.Value;

        private static RsaSecurityKey CreatePublicKey(SigningKey row)
        {
            var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(row.PublicKey), out _);
            return new RsaSecurityKey(rsa.ExportParameters(includePrivateParameters: false)) { KeyId = row.Id };
        }
    }

    /// <summary>Keys to publish now (JWKS): every key whose tokens may still be valid, and a successor about to sign.</summary>
    public async Task<IReadOnlyList<RsaSecurityKey>> GetPublishedKeysAsync(CancellationToken cancellationToken = default)
    {
        await RefreshIfStaleAsync(cancellationToken);
        var now = time.GetUtcNow();
        return [.. _keys.Where(k => k.ExpiresAt > now).OrderByDescending(k => k.ActivatesAt).Select(k => k.PublicKey)];
    }

    /// <summary>Fires when the cached keys change (a key was created, loaded or dropped): options built from <see cref="Snapshot"/> rebuild then.</summary>
    public IChangeToken ChangeToken => new CancellationChangeToken(_changed.Token);

    /// <summary>
    /// The cached keys without touching the database: the public keys whose tokens may still be valid, newest
    /// first. Empty before the first load (start-up loads them before Warden serves requests).
    /// </summary>
    public IReadOnlyList<RsaSecurityKey> Snapshot()
    {
        var now = time.GetUtcNow();
        return [.. _keys.Where(k => k.ExpiresAt > now).OrderByDescending(k => k.ActivatesAt).Select(k => k.PublicKey)];
    }

    /// <summary>Warden's published key named <paramref name="kid"/>, or null: no other key ever validates a token.</summary>
    internal async ValueTask<RsaSecurityKey?> FindValidationKeyAsync(string kid, CancellationToken cancellationToken)
    {
        await RefreshIfStaleAsync(cancellationToken);
        var key = Find(kid);
        if (key is null && time.GetElapsedTime(Interlocked.Read(ref _unknownKidRefreshAt)) >= UnknownKidRefreshInterval)
        {
            Interlocked.Exchange(ref _unknownKidRefreshAt, time.GetTimestamp());
            await RefreshAsync(cancellationToken);
            key = Find(kid);
        }

        return key;

        RsaSecurityKey? Find(string id)
        {
            var now = time.GetUtcNow();
            return _keys.FirstOrDefault(k => k.Id == id && k.ExpiresAt > now)?.PublicKey;
        }
    }

    /// <summary>The credentials of the key that signs now, creating one when none is active.</summary>
    internal async ValueTask<SigningCredentials> GetSigningCredentialsAsync(CancellationToken cancellationToken)
    {
        await RefreshIfStaleAsync(cancellationToken);
        var key = CurrentSigningKey();
        if (key is null)
        {
            await EnsureKeysAsync(cancellationToken);
            key = CurrentSigningKey() ?? throw new InvalidOperationException("No signing key is active after rotation.");
        }

        return key.Credentials;
    }

    private CachedKey? CurrentSigningKey()
    {
        // A node never signs with a retired key, even if its cache is old: that is what lets a retired key be
        // unpublished once AccessTokenLifetime (plus a margin) has passed since it retired.
        var now = time.GetUtcNow();
        return _keys.Where(k => k.ActivatesAt <= now && now < k.RetiresAt)
            .OrderByDescending(k => k.ActivatesAt)
            .ThenByDescending(k => k.Id, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    /// <summary>
    /// Creates a key when none is active, or a successor (published ahead of its activation) when the last one
    /// retires within two refresh intervals; removes keys long expired; reloads the cache.
    /// </summary>
    public async Task EnsureKeysAsync(CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var settings = options.Value;
            var now = WholeSeconds(time.GetUtcNow());
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
            var keys = await db.SigningKeys.AsNoTracking().Where(k => k.ExpiresAt > now).ToListAsync(cancellationToken);
            var latest = keys.Where(k => k.RetiresAt > now).MaxBy(k => k.RetiresAt);
            if (latest is null || latest.RetiresAt - now <= 2 * settings.KeyRefreshInterval)
            {
                var activatesAt = latest?.RetiresAt ?? now;
                var created = CreateKey(now, activatesAt, settings);
                db.SigningKeys.Add(created);
                await db.SaveChangesAsync(cancellationToken);
                LogKeyCreated(logger, created.Id, created.ActivatesAt, created.RetiresAt);

                // Read back rather than cache the object: every node must see the same stored times to pick
                // the same signing key.
                keys = await db.SigningKeys.AsNoTracking().Where(k => k.ExpiresAt > now).ToListAsync(cancellationToken);
            }

            var longExpired = now - TimeSpan.FromDays(1);
            await db.SigningKeys.Where(k => k.ExpiresAt < longExpired).ExecuteDeleteAsync(cancellationToken);
            Load(keys);
        }
        finally
        {
            _lock.Release();
        }
    }

    private SigningKey CreateKey(DateTimeOffset now, DateTimeOffset activatesAt, AccessTokenOptions settings)
    {
        using var rsa = RSA.Create(KeySizeBits);
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        var pkcs8 = rsa.ExportPkcs8PrivateKey();
        try
        {
            // Whole seconds: the providers store instants with different precision (SQLite here to 100 µs,
            // PostgreSQL to 1 µs), and nodes comparing activation times must compare equal values.
            var retiresAt = WholeSeconds(activatesAt + settings.KeyRotationInterval);
            return new SigningKey
            {
                Id = Thumbprint(parameters),
                Algorithm = Algorithm,
                PublicKey = Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()),
                ProtectedPrivateKey = _protector.Protect(Convert.ToBase64String(pkcs8)),
                CreatedAt = now,
                ActivatesAt = activatesAt,
                RetiresAt = retiresAt,
                // The last token signed just before retirement lives AccessTokenLifetime longer.
                ExpiresAt = WholeSeconds(retiresAt + settings.AccessTokenLifetime + ExpiryMargin),
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private static DateTimeOffset WholeSeconds(DateTimeOffset instant) => DateTimeOffset.FromUnixTimeSeconds(instant.ToUnixTimeSeconds());

    /// <summary>RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order, base64url.</summary>
    internal static string Thumbprint(RSAParameters parameters)
    {
        var json = $$"""{"e":"{{Base64Url.EncodeToString(parameters.Exponent)}}","kty":"RSA","n":"{{Base64Url.EncodeToString(parameters.Modulus)}}"}""";
        return Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
    }

    private async Task RefreshIfStaleAsync(CancellationToken cancellationToken)
    {
        if (!_loaded)
        {
            await RefreshAsync(cancellationToken);
        }
        else if (time.GetElapsedTime(Interlocked.Read(ref _loadedAt)) >= options.Value.KeyRefreshInterval && _lock.CurrentCount > 0)
        {
            // Requests keep using the cached keys while one of them reloads.
            await RefreshAsync(cancellationToken);
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
            Load(await db.SigningKeys.AsNoTracking().Where(k => k.ExpiresAt > now).ToListAsync(cancellationToken));
        }
        finally
        {
            _lock.Release();
        }
    }

    private void Load(List<SigningKey> rows)
    {
        // Keys already cached are kept as they are, with their decrypted private key.
        var existing = _keys.ToDictionary(k => k.Id, StringComparer.Ordinal);
        IReadOnlyList<CachedKey> next = [.. rows.Select(r => existing.TryGetValue(r.Id, out var cached) && cached.SameTimesAs(r) ? cached : new CachedKey(r, _protector))];
        var changed = next.Count != _keys.Count || next.Any(k => !existing.TryGetValue(k.Id, out var cached) || !ReferenceEquals(cached, k));
        _keys = next;
        Interlocked.Exchange(ref _loadedAt, time.GetTimestamp());
        _loaded = true;
        if (changed)
        {
            var fired = Interlocked.Exchange(ref _changed, new CancellationTokenSource());
            fired.Cancel();
            fired.Dispose();
        }
    }

    public void Dispose()
    {
        _lock.Dispose();
        _changed.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created signing key {KeyId}: signs from {ActivatesAt:o} until {RetiresAt:o}")]
    private static partial void LogKeyCreated(ILogger logger, string keyId, DateTimeOffset activatesAt, DateTimeOffset retiresAt);
}
