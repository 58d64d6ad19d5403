using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Warden.Server.Infrastructure.Security;

/// <summary>
/// Warden's password hasher. New hashes are Argon2id (PHC string) through libsodium (<see cref="Argon2id"/>), or
/// PBKDF2-HMAC-SHA512 when configured so or where libsodium cannot load. Verification dispatches on the stored format, so hashes imported from
/// ASP.NET Core Identity applications (V2 and V3) keep working and are upgraded at the next sign-in.
/// Identity's own PasswordHasher is replaced because PBKDF2 is the weaker choice against GPU attacks and
/// because it has no bound on concurrent work.
/// </summary>
public sealed partial class WardenPasswordHasher : IDisposable
{
    private const int SaltBytes = 16;
    private const int TagBytes = 32;

    private readonly PasswordHashingOptions _options;
    private readonly ILogger<WardenPasswordHasher> _logger;
    private readonly SemaphoreSlim _gate;
    private readonly HashingThreads _threads;
    private readonly Lazy<string> _dummyHash;

    // Set while a hash slot taken by RunInSlotAsync is held on this (hashing) thread, so the hash inside does not wait again.
    [ThreadStatic]
    private static WardenPasswordHasher? t_slotHolder;

    // The hasher this thread last computed a hash for: counts the distinct threads that hashed (HashingThreadCount).
    [ThreadStatic]
    private static WardenPasswordHasher? t_hashedFor;

    private int _running;
    private int _peakRunning;
    private int _hashingThreads;
    private long _atCurrentCost;
    private long _atOtherCost;

    public WardenPasswordHasher(IOptions<PasswordHashingOptions> options, ILogger<WardenPasswordHasher> logger)
    {
        _options = options.Value;
        _logger = logger;
        UsesArgon2 = _options.ParsedAlgorithm != PasswordHashAlgorithm.Pbkdf2 && Argon2id.CanCompute(CurrentArgon2Parameters, SaltBytes);
        MaxConcurrency = _options.MaxConcurrency > 0 ? _options.MaxConcurrency : Environment.ProcessorCount;
        _gate = new SemaphoreSlim(MaxConcurrency, MaxConcurrency);
        _threads = new HashingThreads(MaxConcurrency);
        _dummyHash = new Lazy<string>(() => HashPassword(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24))));
    }

    /// <summary>True when new hashes are Argon2id; false when they are PBKDF2-HMAC-SHA512.</summary>
    public bool UsesArgon2 { get; }

    /// <summary>
    /// Hashes that run at once, each on one of as many dedicated threads (<see cref="HashingThreads"/>). Each Argon2id
    /// hash holds its memory cost (19 MiB by default) while it runs, so a flood of logins waits here instead of
    /// exhausting memory, and the threads keep that memory in as many malloc arenas, reused hash after hash.
    /// </summary>
    public int MaxConcurrency { get; }

    /// <summary>What new hashes are, for the start-up log.</summary>
    public string Description => UsesArgon2
        ? $"Argon2id (m={_options.Argon2MemoryKiB} KiB, t={_options.Argon2Iterations}, p={_options.Argon2Parallelism}) through {Argon2id.LibraryFor(CurrentArgon2Parameters, SaltBytes)}"
        : $"PBKDF2-HMAC-SHA512 ({_options.Pbkdf2Iterations} iterations)";

    /// <summary>
    /// A hash of a random password with the current parameters. Login verifies a password against it when no
    /// account matches, so an unknown identifier costs the same time as a known one.
    /// </summary>
    public string DummyHash => _dummyHash.Value;

    public string HashPassword(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var passwordBytes = Encoding.UTF8.GetBytes(password);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var tag = new byte[TagBytes];
        try
        {
            if (UsesArgon2)
            {
                var parameters = CurrentArgon2Parameters;
                Gated(() => Argon2id.Compute(passwordBytes, salt, parameters, tag), atCurrentCost: true);
                return PasswordHashFormats.FormatArgon2id(parameters, salt, tag);
            }

            Gated(() => Rfc2898DeriveBytes.Pbkdf2(passwordBytes, salt, tag, _options.Pbkdf2Iterations, HashAlgorithmName.SHA512), atCurrentCost: true);
            return PasswordHashFormats.FormatPbkdf2(_options.Pbkdf2Iterations, salt, tag);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passwordBytes);
        }
    }

    /// <summary>
    /// Verifies a password against a stored hash of any format Warden reads. A refusal always includes exactly one
    /// computation at the parameters of new hashes, whatever is stored (see <see cref="PayTheCurrentCost"/>).
    /// </summary>
    public PasswordVerificationResult VerifyHashedPassword(string hashedPassword, string providedPassword)
    {
        ArgumentNullException.ThrowIfNull(providedPassword);
        var passwordBytes = Encoding.UTF8.GetBytes(providedPassword);
        try
        {
            var (result, atCurrentCost) = string.IsNullOrEmpty(hashedPassword) ? (PasswordVerificationResult.Failed, false)
                : hashedPassword.StartsWith(PasswordHashFormats.Argon2idPrefix, StringComparison.Ordinal) ? VerifyArgon2id(hashedPassword, passwordBytes)
                : hashedPassword.StartsWith(PasswordHashFormats.Pbkdf2Prefix, StringComparison.Ordinal) ? VerifyPbkdf2(hashedPassword, passwordBytes)
                : hashedPassword.StartsWith("$pbkdf2-", StringComparison.Ordinal) || hashedPassword.StartsWith("pbkdf2_", StringComparison.Ordinal)
                    ? VerifyImportedPbkdf2(hashedPassword, passwordBytes)
                : hashedPassword.StartsWith("$2", StringComparison.Ordinal) ? VerifyBcrypt(hashedPassword, providedPassword)
                : VerifyIdentity(hashedPassword, passwordBytes);
            if (result == PasswordVerificationResult.Failed && !atCurrentCost)
            {
                PayTheCurrentCost(passwordBytes);
            }

            return result;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passwordBytes);
        }
    }

    /// <summary>
    /// One hash at the current parameters, thrown away. An unknown account costs exactly one of those (the dummy
    /// hash); so does an account whose hash is current. An imported or older hash (ASP.NET Identity V2/V3, weaker
    /// Argon2id or PBKDF2 parameters) or one Warden cannot read (bcrypt, anything malformed) costs something else:
    /// Identity V2 is 1,000 rounds of SHA-1, under a millisecond, so without this a wrong password would be refused
    /// measurably faster for imported accounts, and instantly for unreadable ones, telling which accounts exist and
    /// which were imported. So a refusal that did not compute a current-parameter hash computes one here. A correct
    /// password on such a hash pays the same through its upgrade (the caller rehashes on SuccessRehashNeeded).
    /// What remains is the older format's own work on top: small for V2, a bound of the imported iteration count
    /// for V3, and gone for each account at its next sign-in. Every refusal thus costs at least what an unknown
    /// account costs; padding every attempt to the dearest imported format instead would slow every sign-in.
    /// </summary>
    private void PayTheCurrentCost(byte[] password)
    {
        var salt = new byte[SaltBytes];
        var tag = new byte[TagBytes];
        if (UsesArgon2)
        {
            var parameters = CurrentArgon2Parameters;
            Gated(() => Argon2id.Compute(password, salt, parameters, tag), atCurrentCost: true);
        }
        else
        {
            Gated(() => Rfc2898DeriveBytes.Pbkdf2(password, salt, tag, _options.Pbkdf2Iterations, HashAlgorithmName.SHA512), atCurrentCost: true);
        }
    }

    private (PasswordVerificationResult Result, bool AtCurrentCost) VerifyArgon2id(string hashedPassword, byte[] password)
    {
        if (!PasswordHashFormats.TryParseArgon2id(hashedPassword, out var parameters, out var salt, out var stored))
        {
            return (PasswordVerificationResult.Failed, false);
        }

        if (!Argon2id.CanCompute(parameters, salt.Length))
        {
            // The hash is intact (p > 1 or a salt other than 16 bytes, as imported from elsewhere), but this node
            // cannot compute it: say so loudly rather than locking those users out silently.
            LogArgon2Missing(_logger, Argon2id.LibraryFor(parameters, salt.Length), parameters.Parallelism, salt.Length);
            return (PasswordVerificationResult.Failed, false);
        }

        var atCurrentCost = UsesArgon2 && parameters == CurrentArgon2Parameters;
        var computed = new byte[stored.Length];
        Gated(() => Argon2id.Compute(password, salt, parameters, computed), atCurrentCost);
        if (!PasswordHashFormats.TagsEqual(computed, stored))
        {
            return (PasswordVerificationResult.Failed, atCurrentCost);
        }

        var weaker = !UsesArgon2
            ? false // PBKDF2 is the current setting only because Argon2 is unavailable; keep the stronger hash.
            : parameters.MemoryKiB < _options.Argon2MemoryKiB || parameters.Iterations < _options.Argon2Iterations
              || salt.Length < SaltBytes || stored.Length < TagBytes
              // Stronger but only computable through libargon2 (imported p > 1 or odd salt lengths): move it to a
              // hash every node can check, with or without libargon2.
              || (!Argon2id.LibsodiumCanCompute(parameters, salt.Length) && Argon2id.LibsodiumCanCompute(CurrentArgon2Parameters, SaltBytes));
        return (weaker ? PasswordVerificationResult.SuccessRehashNeeded : PasswordVerificationResult.Success, atCurrentCost);
    }

    private (PasswordVerificationResult Result, bool AtCurrentCost) VerifyPbkdf2(string hashedPassword, byte[] password)
    {
        if (!PasswordHashFormats.TryParsePbkdf2(hashedPassword, out var iterations, out var salt, out var stored))
        {
            return (PasswordVerificationResult.Failed, false);
        }

        var atCurrentCost = !UsesArgon2 && iterations == _options.Pbkdf2Iterations;
        var computed = new byte[stored.Length];
        Gated(() => Rfc2898DeriveBytes.Pbkdf2(password, salt, computed, iterations, HashAlgorithmName.SHA512), atCurrentCost);
        if (!PasswordHashFormats.TagsEqual(computed, stored))
        {
            return (PasswordVerificationResult.Failed, atCurrentCost);
        }

        var weaker = UsesArgon2 || iterations < _options.Pbkdf2Iterations || salt.Length < SaltBytes || stored.Length < TagBytes;
        return (weaker ? PasswordVerificationResult.SuccessRehashNeeded : PasswordVerificationResult.Success, atCurrentCost);
    }

    /// <summary>Imported PBKDF2: the PHC format with SHA-1 or SHA-256, or Django's. Always rehashed when right.</summary>
    private (PasswordVerificationResult Result, bool AtCurrentCost) VerifyImportedPbkdf2(string hashedPassword, byte[] password)
    {
        if (!PasswordHashFormats.TryParsePbkdf2(hashedPassword, out var prf, out var iterations, out var salt, out var stored)
            && !PasswordHashFormats.TryParseDjangoPbkdf2(hashedPassword, out prf, out iterations, out salt, out stored))
        {
            return (PasswordVerificationResult.Failed, false);
        }

        var computed = new byte[stored.Length];
        Gated(() => Rfc2898DeriveBytes.Pbkdf2(password, salt, computed, iterations, prf), atCurrentCost: false);
        return (PasswordHashFormats.TagsEqual(computed, stored) ? PasswordVerificationResult.SuccessRehashNeeded : PasswordVerificationResult.Failed, false);
    }

    /// <summary>
    /// Imported bcrypt (BCrypt.Net-Next). The cost is checked again here, not only at import: a stored cost above
    /// <see cref="ImportedPasswordHashes.MaxBcryptCost"/> is refused without being computed.
    /// </summary>
    private (PasswordVerificationResult Result, bool AtCurrentCost) VerifyBcrypt(string hashedPassword, string password)
    {
        if (!PasswordHashFormats.TryParseBcrypt(hashedPassword, out var cost) || cost > ImportedPasswordHashes.MaxBcryptCost)
        {
            return (PasswordVerificationResult.Failed, false);
        }

        var right = false;
        Gated(() =>
        {
            try
            {
                right = BCrypt.Net.BCrypt.Verify(password, hashedPassword);
            }
            catch (BCrypt.Net.SaltParseException)
            {
                right = false;
            }
        }, atCurrentCost: false);
        return (right ? PasswordVerificationResult.SuccessRehashNeeded : PasswordVerificationResult.Failed, false);
    }

    private (PasswordVerificationResult Result, bool AtCurrentCost) VerifyIdentity(string hashedPassword, byte[] password)
    {
        if (!PasswordHashFormats.TryParseIdentity(hashedPassword, out var prf, out var iterations, out var salt, out var stored))
        {
            return (PasswordVerificationResult.Failed, false);
        }

        var computed = new byte[stored.Length];
        Gated(() => Rfc2898DeriveBytes.Pbkdf2(password, salt, computed, iterations, prf), atCurrentCost: false);

        // Every Identity hash is weaker than Warden's current setting (SHA-1 or at most 100,000 iterations of SHA-512
        // by Identity's defaults), so a correct password is always rehashed.
        return (PasswordHashFormats.TagsEqual(computed, stored)
            ? PasswordVerificationResult.SuccessRehashNeeded
            : PasswordVerificationResult.Failed, false);
    }

    /// <summary>
    /// Runs <paramref name="hashing"/> (synchronous calls into this hasher) on a hashing thread once a hash slot is
    /// free, holding no thread of the caller's meanwhile. Callers that can be flooded (sign-in) use it: the blocking
    /// wait of the synchronous <see cref="IPasswordHasher{TUser}"/> path parks one thread-pool thread per queued
    /// request, and a few dozen concurrent sign-ins then starve the pool so that every other request of the node
    /// (health checks, refreshes, reads) waits seconds behind them. A wait for the slot can be cancelled; once the
    /// slot is taken the hash runs to its end.
    /// </summary>
    public async Task<T> RunInSlotAsync<T>(Func<T> hashing, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hashing);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await _threads.RunAsync(() =>
            {
                var outer = t_slotHolder;
                t_slotHolder = this;
                try
                {
                    return hashing();
                }
                finally
                {
                    t_slotHolder = outer;
                }
            });
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Gated(Action hash, bool atCurrentCost)
    {
        _ = atCurrentCost ? Interlocked.Increment(ref _atCurrentCost) : Interlocked.Increment(ref _atOtherCost);
        // IPasswordHasher is synchronous (UserManager calls it so), hence a blocking wait for the slot and for the
        // hashing thread — unless the caller already holds a slot taken by RunInSlotAsync, and so runs on a hashing
        // thread already. The gate admits no more hashes than there are threads, so none waits for a thread.
        var holdsSlot = ReferenceEquals(t_slotHolder, this);
        if (!holdsSlot)
        {
            _gate.Wait();
        }

        try
        {
            _threads.Run(() => Compute(hash));
        }
        finally
        {
            if (!holdsSlot)
            {
                _gate.Release();
            }
        }
    }

    private void Compute(Action hash)
    {
        if (!ReferenceEquals(t_hashedFor, this))
        {
            t_hashedFor = this;
            Interlocked.Increment(ref _hashingThreads);
        }

        var running = Interlocked.Increment(ref _running);
        InterlockedMax(ref _peakRunning, running);
        try
        {
            hash();
        }
        finally
        {
            Interlocked.Decrement(ref _running);
            HashMemory.HashFinished();
        }
    }

    private Argon2Parameters CurrentArgon2Parameters => new(_options.Argon2MemoryKiB, _options.Argon2Iterations, _options.Argon2Parallelism);

    /// <summary>
    /// Hash computations so far: those at the parameters of new hashes, and the others (imported and older
    /// hashes). Lets tests count what a sign-in attempt costs without measuring time.
    /// </summary>
    internal HashComputations Computations => new(Interlocked.Read(ref _atCurrentCost), Interlocked.Read(ref _atOtherCost));

    /// <summary>The most hashes that ever ran at once (for tests and diagnostics).</summary>
    internal int PeakConcurrency => Volatile.Read(ref _peakRunning);

    /// <summary>How many distinct threads ever computed a hash (for tests: never more than <see cref="MaxConcurrency"/>).</summary>
    internal int HashingThreadCount => Volatile.Read(ref _hashingThreads);

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    public void Dispose()
    {
        _threads.Dispose();
        _gate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A stored Argon2id hash (p={Parallelism}, {SaltBytes}-byte salt) cannot be verified: {Library} is not available on this node (install libargon2-1)")]
    private static partial void LogArgon2Missing(ILogger logger, string library, int parallelism, int saltBytes);
}

internal readonly record struct HashComputations(long AtCurrentCost, long AtOtherCost);

public static class PasswordHasherSlots
{
    /// <summary>
    /// Runs synchronous hashing once Warden's hasher has a free slot, waiting asynchronously
    /// (<see cref="WardenPasswordHasher.RunInSlotAsync{T}"/>); any other hasher runs it at once.
    /// </summary>
    public static Task<T> RunInSlotAsync<TUser, T>(this IPasswordHasher<TUser> hasher, Func<T> hashing, CancellationToken cancellationToken)
        where TUser : class =>
        hasher is WardenPasswordHasher<TUser> warden ? warden.Hasher.RunInSlotAsync(hashing, cancellationToken) : Task.FromResult(hashing());
}

/// <summary>Identity's view of <see cref="WardenPasswordHasher"/>: the hash does not depend on the user.</summary>
public sealed class WardenPasswordHasher<TUser>(WardenPasswordHasher hasher) : IPasswordHasher<TUser> where TUser : class
{
    public WardenPasswordHasher Hasher => hasher;

    public string HashPassword(TUser user, string password) => hasher.HashPassword(password);

    public PasswordVerificationResult VerifyHashedPassword(TUser user, string hashedPassword, string providedPassword) =>
        hasher.VerifyHashedPassword(hashedPassword, providedPassword);
}
