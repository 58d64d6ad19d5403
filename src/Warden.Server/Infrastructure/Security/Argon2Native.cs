using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Warden.Server.Infrastructure.Security;

/// <summary>
/// Argon2 through the system's reference implementation (Debian's libargon2-1), optional: used only for the
/// Argon2id hashes libsodium cannot compute (p &gt; 1 or a salt other than 16 bytes, as imported from Django and
/// others), and by the tests as an independent cross-check of libsodium's output. Kept rather than a managed port:
/// no managed Argon2 package is pinned here, and the reference C code is the one that is audited. Only <c>argon2_ctx</c> is bound: it is the one entry point that takes a secret and associated data, so the
/// RFC 9106 test vector exercises exactly the code path that hashes passwords.
/// </summary>
internal static unsafe class Argon2Native
{
    public const string LibraryName = "libargon2.so.1";
    private const int Argon2Id = 2;
    private const uint Version13 = 0x13;

    private static readonly delegate* unmanaged<Argon2Context*, int, int> Ctx;
    private static readonly delegate* unmanaged<int, nint> ErrorMessage;

    static Argon2Native()
    {
        if (NativeLibrary.TryLoad(LibraryName, typeof(Argon2Native).Assembly, null, out var handle)
            && NativeLibrary.TryGetExport(handle, "argon2_ctx", out var ctx)
            && NativeLibrary.TryGetExport(handle, "argon2_error_message", out var message))
        {
            Ctx = (delegate* unmanaged<Argon2Context*, int, int>)ctx;
            ErrorMessage = (delegate* unmanaged<int, nint>)message;
            IsAvailable = true;
        }
    }

    public static bool IsAvailable { get; }

    /// <summary>Argon2id (version 0x13) of <paramref name="password"/> into <paramref name="output"/>.</summary>
    public static void Argon2id(
        ReadOnlySpan<byte> password,
        ReadOnlySpan<byte> salt,
        ReadOnlySpan<byte> secret,
        ReadOnlySpan<byte> associatedData,
        int iterations,
        int memoryKiB,
        int parallelism,
        Span<byte> output)
    {
        if (!IsAvailable)
        {
            throw new PlatformNotSupportedException($"{LibraryName} is not available.");
        }

        fixed (byte* pOut = output)
        fixed (byte* pPwd = password)
        fixed (byte* pSalt = salt)
        fixed (byte* pSecret = secret)
        fixed (byte* pAd = associatedData)
        {
            var context = new Argon2Context
            {
                Out = pOut,
                OutLen = (uint)output.Length,
                Pwd = pPwd,
                PwdLen = (uint)password.Length,
                Salt = pSalt,
                SaltLen = (uint)salt.Length,
                Secret = pSecret,
                SecretLen = (uint)secret.Length,
                Ad = pAd,
                AdLen = (uint)associatedData.Length,
                TCost = (uint)iterations,
                MCost = (uint)memoryKiB,
                Lanes = (uint)parallelism,
                Threads = (uint)parallelism,
                Version = Version13,
                Flags = 0, // the caller owns (and clears) the password buffer
            };
            var result = Ctx(&context, Argon2Id);
            if (result != 0)
            {
                throw new CryptographicException($"argon2_ctx failed: {Marshal.PtrToStringUTF8(ErrorMessage(result))} ({result}).");
            }
        }
    }

    /// <summary>The <c>argon2_context</c> struct of argon2.h, field for field.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Argon2Context
    {
        public byte* Out;
        public uint OutLen;
        public byte* Pwd;
        public uint PwdLen;
        public byte* Salt;
        public uint SaltLen;
        public byte* Secret;
        public uint SecretLen;
        public byte* Ad;
        public uint AdLen;
        public uint TCost;
        public uint MCost;
        public uint Lanes;
        public uint Threads;
        public uint Version;
        public nint AllocateCallback;
        public nint FreeCallback;
        public uint Flags;
    }
}
