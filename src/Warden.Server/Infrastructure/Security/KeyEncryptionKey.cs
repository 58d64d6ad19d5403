using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Security;

/// <summary>
/// The key-encryption key: 32 random bytes kept outside the database (<c>Warden:DataProtection:KeyFile</c>)
/// that wrap the Data Protection key ring stored inside it. A stolen database backup alone therefore reveals
/// no protected secret. The file is only ever generated while the key ring is empty (see <see cref="SecurityStartup"/>):
/// a new key for an existing ring would make every stored secret unreadable.
/// </summary>
public sealed partial class KeyEncryptionKey(
    IOptions<DataProtectionSettings> settings,
    IOptions<WardenOptions> warden,
    ILogger<KeyEncryptionKey> logger)
{
    public const int KeyBytes = 32;
    private readonly Lock _sync = new();
    private byte[]? _key;

    public string FilePath => IsDefaultLocation
        ? warden.Value.DataPath("keys", "data-protection.key")
        : Path.GetFullPath(settings.Value.KeyFile!);

    public bool IsDefaultLocation => string.IsNullOrWhiteSpace(settings.Value.KeyFile);

    public bool Exists => File.Exists(FilePath);

    /// <summary>The key bytes; throws with a message naming the setting when the file is missing or malformed.</summary>
    internal byte[] Key
    {
        get
        {
            lock (_sync)
            {
                return _key ??= Read();
            }
        }
    }

    /// <summary>Identifies the key (not secret: a truncated hash of a 256-bit random key), so a mismatch can be named.</summary>
    public string Fingerprint => FingerprintOf(Key);

    /// <summary>
    /// A 256-bit key for <paramref name="purpose"/> derived from this key (HKDF-SHA256): the same on every node
    /// that shares the key file, and never stored anywhere.
    /// </summary>
    public byte[] DeriveKey(string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Key, KeyBytes, salt: [], info: System.Text.Encoding.UTF8.GetBytes("warden:" + purpose));

    internal static string FingerprintOf(byte[] key) =>
        Convert.ToHexStringLower(SHA256.HashData([.. "warden-kek-id:"u8, .. key]))[..16];

    internal void Generate()
    {
        lock (_sync)
        {
            var path = FilePath;
            PrivateFiles.CreateDirectory(Path.GetDirectoryName(path)!);
            var key = RandomNumberGenerator.GetBytes(KeyBytes);
            try
            {
                // CreateNew: two processes sharing the data directory never overwrite each other's key.
                using (var stream = new FileStream(path, PrivateFiles.NewFile(useAsync: false)))
                using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
                {
                    writer.WriteLine(Convert.ToBase64String(key));
                }

                _key = key;
            }
            catch (IOException) when (File.Exists(path))
            {
                _key = Read();
                return;
            }

            if (IsDefaultLocation)
            {
                LogGeneratedDefault(logger, path, DataProtectionSettings.KeyFileSetting);
            }
            else
            {
                LogGenerated(logger, path);
            }
        }
    }

    private byte[] Read()
    {
        var path = FilePath;
        if (!File.Exists(path))
        {
            throw new CryptographicException(
                $"The key-encryption key file '{path}' ({DataProtectionSettings.KeyFileSetting}) does not exist.");
        }

        var text = File.ReadAllText(path).Trim();
        var key = new byte[KeyBytes + 3];
        if (!Convert.TryFromBase64String(text, key, out var length) || length != KeyBytes)
        {
            throw new CryptographicException(
                $"The key-encryption key file '{path}' ({DataProtectionSettings.KeyFileSetting}) must hold {KeyBytes} random bytes in base64 (e.g. `openssl rand -base64 32`).");
        }

        return key[..KeyBytes];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Generated a key-encryption key at {Path}, inside the data directory. Production deployments should mount their own key file and point {Setting} at it, kept apart from the database and its backups")]
    private static partial void LogGeneratedDefault(ILogger logger, string path, string setting);

    [LoggerMessage(Level = LogLevel.Information, Message = "Generated a key-encryption key at {Path}")]
    private static partial void LogGenerated(ILogger logger, string path);
}
