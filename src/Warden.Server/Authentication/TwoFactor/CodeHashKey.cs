using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Authentication.TwoFactor;

/// <summary>Where the one-time-code HMAC key comes from: configuration, else a key file made once under the data directory.</summary>
internal static class CodeHashKey
{
    public const string FileName = "one-time-codes.key";

    public static byte[]? TryParse(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value.Trim(), buffer, out var length) && length >= OneTimeCodeHasher.MinKeySizeInBytes
            ? buffer[..length]
            : null;
    }

    public static OneTimeCodeHasher CreateHasher(IServiceProvider services)
    {
        var configured = services.GetRequiredService<IOptions<TwoFactorOptions>>().Value.CodeHashKey;
        if (configured is not null)
        {
            return new OneTimeCodeHasher(TryParse(configured) ?? throw new InvalidOperationException("Warden:TwoFactor:CodeHashKey is invalid."));
        }

        var path = services.GetRequiredService<IOptions<WardenOptions>>().Value.DataPath("keys", FileName);
        return new OneTimeCodeHasher(LoadOrCreate(path));
    }

    internal static byte[] LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            PrivateFiles.CreateDirectory(Path.GetDirectoryName(path)!);
            // Written aside and moved into place without overwriting, so two processes starting on one data
            // directory agree on whichever key landed first and nobody reads a half-written file.
            var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
            using (var stream = new FileStream(temporary, PrivateFiles.NewFile(useAsync: false)))
            {
                stream.Write(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            }

            try
            {
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temporary);
            }
        }

        var key = File.ReadAllBytes(path);
        return key.Length >= OneTimeCodeHasher.MinKeySizeInBytes
            ? key
            : throw new InvalidOperationException($"The one-time-code key file {path} is shorter than {OneTimeCodeHasher.MinKeySizeInBytes} bytes.");
    }
}
