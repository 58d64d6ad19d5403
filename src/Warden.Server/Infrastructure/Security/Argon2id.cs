using System.Security.Cryptography;
using NSec.Cryptography;

namespace Warden.Server.Infrastructure.Security;

/// <summary>Which library computes an Argon2id hash.</summary>
internal enum Argon2Engine
{
    /// <summary>libsodium, shipped inside NSec.Cryptography: every new hash and every stored p=1 hash with a 16-byte salt.</summary>
    Libsodium,

    /// <summary>The system's libargon2 (<see cref="Argon2Native"/>): only what libsodium cannot compute.</summary>
    Libargon2,
}

/// <summary>
/// Argon2id (version 0x13) of a password. libsodium ships inside the NSec package, so Warden's own hashes
/// (p=1, 16-byte salt) need no system package and no unsafe code. libsodium's <c>crypto_pwhash</c> derives only
/// p=1 and takes only 16-byte salts, while imported hashes may carry anything the PHC format allows (Django's
/// default is p=8 with a longer salt); those few go to Debian's libargon2 when it is installed and are rehashed
/// to Warden's parameters at their first sign-in. Without libargon2 such a hash cannot be checked: it fails, the
/// node logs why, and the import reports it (see <see cref="CanCompute"/>).
/// </summary>
internal static class Argon2id
{
    public const int LibsodiumSaltBytes = 16;
    private const int MinTagBytes = 16;

    private static readonly Lazy<bool> LibsodiumLoads = new(() =>
    {
        try
        {
            _ = PasswordBasedKeyDerivationAlgorithm.Argon2id(new NSec.Cryptography.Argon2Parameters
            {
                DegreeOfParallelism = 1,
                MemorySize = 8,
                NumberOfPasses = 1,
            }).DeriveBytes("probe"u8, new byte[LibsodiumSaltBytes], MinTagBytes);
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or PlatformNotSupportedException or InvalidOperationException)
        {
            return false;
        }
    });

    /// <summary>False only on a platform NSec ships no libsodium for.</summary>
    public static bool LibsodiumIsAvailable => LibsodiumLoads.Value;

    public static Argon2Engine EngineFor(Argon2Parameters parameters, int saltBytes) =>
        parameters.Parallelism == 1 && saltBytes == LibsodiumSaltBytes ? Argon2Engine.Libsodium : Argon2Engine.Libargon2;

    /// <summary>Whether this node can compute a hash with these parameters and this salt length.</summary>
    public static bool CanCompute(Argon2Parameters parameters, int saltBytes) =>
        EngineFor(parameters, saltBytes) == Argon2Engine.Libsodium ? LibsodiumIsAvailable : Argon2Native.IsAvailable;

    public static string LibraryFor(Argon2Parameters parameters, int saltBytes) =>
        EngineFor(parameters, saltBytes) == Argon2Engine.Libsodium ? "libsodium (NSec.Cryptography)" : Argon2Native.LibraryName;

    public static void Compute(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, Argon2Parameters parameters, Span<byte> tag)
    {
        if (tag.Length < MinTagBytes)
        {
            throw new CryptographicException($"An Argon2id tag has at least {MinTagBytes} bytes.");
        }

        if (EngineFor(parameters, salt.Length) == Argon2Engine.Libargon2)
        {
            Argon2Native.Argon2id(password, salt, [], [], parameters.Iterations, parameters.MemoryKiB, parameters.Parallelism, tag);
            return;
        }

        PasswordBasedKeyDerivationAlgorithm.Argon2id(new NSec.Cryptography.Argon2Parameters
        {
            DegreeOfParallelism = 1,
            MemorySize = parameters.MemoryKiB, // kibibytes, as in the PHC string
            NumberOfPasses = parameters.Iterations,
        }).DeriveBytes(password, salt, tag);
    }
}
