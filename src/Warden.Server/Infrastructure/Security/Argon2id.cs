using System.Security.Cryptography;
using NSec.Cryptography;

namespace Warden.Server.Infrastructure.Security;

/// <summary>Which library computes an Argon2id hash.</summary>
internal enum Argon2Engine
{
    /// <summary>libsodium, shipped inside NSec.Cryptography: p=1 hashes with a 16-byte salt, on a node without libargon2.</summary>
    Libsodium,

    /// <summary>The system's libargon2 (<see cref="Argon2Native"/>): everything, when installed.</summary>
    Libargon2,
}

/// <summary>
/// Argon2id (version 0x13) of a password. libsodium ships inside the NSec package, so Warden's own hashes
/// (p=1, 16-byte salt) need no system package. Where the system's libargon2 is installed it computes every hash
/// instead: measured on the project's 2-core machine, the same m=19 MiB, t=2, p=1 hash took 18–22 ms there against
/// 38–58 ms through NSec 26.4.0's libsodium (whose Linux build runs Argon2's portable loop, not its AVX2 one; both
/// give byte-identical tags, which the tests cross-check), and the hash is most of a sign-in's cost.
/// libsodium's <c>crypto_pwhash</c> derives only
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

    /// <summary>Whether libsodium can compute this hash at all (one lane, a 16-byte salt).</summary>
    public static bool LibsodiumCanCompute(Argon2Parameters parameters, int saltBytes) =>
        parameters.Parallelism == 1 && saltBytes == LibsodiumSaltBytes;

    public static Argon2Engine EngineFor(Argon2Parameters parameters, int saltBytes) =>
        Argon2Native.IsAvailable || !LibsodiumCanCompute(parameters, saltBytes) ? Argon2Engine.Libargon2 : Argon2Engine.Libsodium;

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
