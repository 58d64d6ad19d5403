using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Security;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Security;

/// <summary>The hasher with its real parameters (the integration suite lowers them; these tests must not).</summary>
[SqliteOnly]
public sealed class PasswordHasherTests : IDisposable
{
    private const string Password = "my password";
    private readonly WardenPasswordHasher _hasher = Create(new PasswordHashingOptions());

    private static WardenPasswordHasher Create(PasswordHashingOptions options) =>
        new(Options.Create(options), NullLogger<WardenPasswordHasher>.Instance);

    public void Dispose() => _hasher.Dispose();

    [Fact]
    public void Libargon2MatchesTheRfc9106TestVectorForTheHashesLibsodiumCannotCompute()
    {
        // RFC 9106 section 5.3: Argon2id, t=3, m=32 KiB, p=4, with secret and associated data. p=4 is beyond
        // libsodium, so this is the path of imported p > 1 hashes (Django's default is p=8).
        Assert.True(Argon2Native.IsAvailable, "libargon2.so.1 must be present on this machine for the tests (test.sh installs libargon2-1)");
        var tag = new byte[32];
        Argon2Native.Argon2id(
            password: Enumerable.Repeat((byte)0x01, 32).ToArray(),
            salt: Enumerable.Repeat((byte)0x02, 16).ToArray(),
            secret: Enumerable.Repeat((byte)0x03, 8).ToArray(),
            associatedData: Enumerable.Repeat((byte)0x04, 12).ToArray(),
            iterations: 3,
            memoryKiB: 32,
            parallelism: 4,
            output: tag);

        Assert.Equal("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659", Convert.ToHexStringLower(tag));
    }

    [Fact]
    public void NewHashesNeedNoSystemLibraryButUseLibargon2WhereItIsInstalled()
    {
        Assert.True(Argon2id.LibsodiumIsAvailable);
        Assert.True(Argon2id.LibsodiumCanCompute(new Argon2Parameters(19456, 2, 1), 16));
        Assert.True(Argon2id.LibsodiumCanCompute(new Argon2Parameters(64, 1, 1), 16));
        Assert.False(Argon2id.LibsodiumCanCompute(new Argon2Parameters(19456, 2, 8), 16));
        Assert.False(Argon2id.LibsodiumCanCompute(new Argon2Parameters(19456, 2, 1), 8));

        // This machine has libargon2 (test.sh installs it): the faster library computes everything.
        Assert.True(Argon2Native.IsAvailable);
        Assert.Equal(Argon2Engine.Libargon2, Argon2id.EngineFor(new Argon2Parameters(19456, 2, 1), 16));
        Assert.Contains("libargon2", _hasher.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8, 1)]
    [InlineData(64, 1)]
    [InlineData(1024, 3)]
    [InlineData(19456, 2)]
    public void LibsodiumComputesWhatLibargon2Computes(int memoryKiB, int iterations)
    {
        Assert.True(Argon2Native.IsAvailable, "libargon2.so.1 must be present on this machine for the tests (test.sh installs libargon2-1)");
        for (var i = 0; i < 3; i++)
        {
            var password = RandomNumberGenerator.GetBytes(i * 37);
            var salt = RandomNumberGenerator.GetBytes(16);
            var parameters = new Argon2Parameters(memoryKiB, iterations, 1);
            var sodium = new byte[16 + (i * 16)];
            var reference = new byte[sodium.Length];

            Argon2id.Compute(password, salt, parameters, sodium);
            Argon2Native.Argon2id(password, salt, [], [], iterations, memoryKiB, 1, reference);

            Assert.Equal(Convert.ToHexString(reference), Convert.ToHexString(sodium));
        }
    }

    [Fact]
    public void AHashLibargon2MadeVerifiesThroughLibsodiumAsItIs()
    {
        // Made by Debian's libargon2 (argon2id_hash_encoded, before the switch): the stored hashes of existing accounts.
        const string byLibargon2 = "$argon2id$v=19$m=19456,t=2,p=1$d2FyZGVuLXNhbHQtMTZieQ$A76u0+1DURt9k0dYj2ZUKsXNvLcb2UFVOH2e96+uOEg";

        Assert.Equal(PasswordVerificationResult.Success, _hasher.VerifyHashedPassword(byLibargon2, "correct horse battery staple"));
        Assert.Equal(PasswordVerificationResult.Failed, _hasher.VerifyHashedPassword(byLibargon2, "correct horse battery stapler"));
    }

    [Theory]
    // The reference implementation's own vector (phc-winner-argon2 test.c): an 8-byte salt, beyond libsodium.
    [InlineData("$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", "password")]
    // Django's Argon2PasswordHasher defaults (p=8, 100 MiB, 22-byte salt), its "argon2" prefix taken off as the import does.
    [InlineData("$argon2id$v=19$m=102400,t=2,p=8$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$IgorAEoC45Hed6TrnrYvCyIvYcj3785+rmJayoEyW88", "Parity-Pass-2026 ü")]
    [InlineData("$argon2id$v=19$m=102400,t=2,p=8$Z0FpRW02TmxIOEhoMk1ja0xTTE81SA$8JEJ6f9Ae5xV6x1IuLENmepKD6cR5pyLrKvqfB8aZog", "123456")]
    public void HashesLibsodiumCannotComputeVerifyThroughLibargon2AndMoveToWardensParameters(string hash, string password)
    {
        Assert.True(Argon2Native.IsAvailable, "libargon2.so.1 must be present on this machine for the tests (test.sh installs libargon2-1)");
        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, _hasher.VerifyHashedPassword(hash, password));
        Assert.Equal(PasswordVerificationResult.Failed, _hasher.VerifyHashedPassword(hash, password + "x"));
    }

    [Fact]
    public void NewHashesAreArgon2idPhcStringsWithOwaspParameters()
    {
        Assert.True(_hasher.UsesArgon2, "libsodium ships inside NSec.Cryptography: Argon2id needs no system package");
        var hash = _hasher.HashPassword(Password);

        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", hash, StringComparison.Ordinal);
        var parts = hash.Split('$');
        Assert.Equal(16, Convert.FromBase64String(parts[4] + "==").Length);
        Assert.Equal(32, Convert.FromBase64String(parts[5] + "=").Length);
        Assert.Equal(PasswordVerificationResult.Success, _hasher.VerifyHashedPassword(hash, Password));
        Assert.Equal(PasswordVerificationResult.Failed, _hasher.VerifyHashedPassword(hash, "my passwore"));
    }

    [Fact]
    public void TheSamePasswordHashesDifferentlyEachTime()
    {
        Assert.NotEqual(_hasher.HashPassword(Password), _hasher.HashPassword(Password));
    }

    [Fact]
    public void ArgonHashWithLowerCostThanTheCurrentSettingNeedsRehash()
    {
        using var cheap = Create(new PasswordHashingOptions { Argon2MemoryKiB = 1024, Argon2Iterations = 1 });
        var hash = cheap.HashPassword(Password);

        Assert.Equal(PasswordVerificationResult.Success, cheap.VerifyHashedPassword(hash, Password));
        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, _hasher.VerifyHashedPassword(hash, Password));
        Assert.Equal(PasswordVerificationResult.Failed, _hasher.VerifyHashedPassword(hash, "wrong"));
    }

    [Fact]
    public void Pbkdf2FallbackRoundTripsAndIsUpgradedWhereArgon2IsAvailable()
    {
        using var fallback = Create(new PasswordHashingOptions { Algorithm = "Pbkdf2" });
        Assert.False(fallback.UsesArgon2);
        var hash = fallback.HashPassword(Password);

        Assert.StartsWith("$pbkdf2-sha512$i=210000$", hash, StringComparison.Ordinal);
        Assert.Equal(PasswordVerificationResult.Success, fallback.VerifyHashedPassword(hash, Password));
        Assert.Equal(PasswordVerificationResult.Failed, fallback.VerifyHashedPassword(hash, "wrong"));
        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, _hasher.VerifyHashedPassword(hash, Password));

        using var stronger = Create(new PasswordHashingOptions { Algorithm = "Pbkdf2", Pbkdf2Iterations = 300_000 });
        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, stronger.VerifyHashedPassword(hash, Password));
    }

    [Theory]
    // ASP.NET Core Identity's own test vectors (PasswordHasherTest), all for "my password".
    [InlineData("ANXrDknc7fGPpigibZXXZFMX4aoqz44JveK6jQuwY3eH/UyPhvr5xTPeGYEckLxz9A==")] // V2: SHA1, 1000 iterations
    [InlineData("AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggHIVY0sdEUfdyeM+E1LtH1uJg==")] // V2 with a sequential salt
    [InlineData("AQAAAAEAACcQAAAAEAABAgMEBQYHCAkKCwwNDg+yWU7rLgUwPZb1Itsmra7cbxw2EFpwpVFIEtP+JIuUEw==")] // V3: SHA256, 10000 iterations
    [InlineData("AQAAAAIAAAAyAAAAEOMwvh3+FZxqkdMBz2ekgGhwQ4B6pZWND6zgESBuWiHw")] // V3: SHA512, 50 iterations, 128-bit subkey
    [InlineData("AQAAAAIAAAD6AAAAIJbVi5wbMR+htSfFp8fTw8N8GOS/Sje+S/4YZcgBfU7EQuqv4OkVYmc4VJl9AGZzmRTxSkP7LtVi9IWyUxX8IAAfZ8v+ZfhjCcudtC1YERSqE1OEdXLW9VukPuJWBBjLuw==")] // V3: SHA512, 250 iterations, 512-bit subkey
    [InlineData("AQAAAAAAAAD6AAAAEAhftMyfTJylOlZT+eEotFXd1elee8ih5WsjXaR3PA9M")] // V3: SHA1, 250 iterations
    [InlineData("AQAAAAEAA9CQAAAAIESkQuj2Du8Y+kbc5lcN/W/3NiAZFEm11P27nrSN5/tId+bR1SwV8CO1Jd72r4C08OLvplNlCDc3oQZ8efcW+jQ=")] // V3: SHA256, 250000 iterations
    public void AspNetIdentityHashesVerifyAndAreUpgraded(string identityHash)
    {
        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, _hasher.VerifyHashedPassword(identityHash, Password));
        Assert.Equal(PasswordVerificationResult.Failed, _hasher.VerifyHashedPassword(identityHash, "my passwor"));
    }

    [Theory]
    // Identity's own failure vectors: wrong subkey, too short, extra data at the end.
    [InlineData("AAABAgMEBQYHCAkKCwwNDg+uAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAALtH1uJg==")]
    [InlineData("AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggE=")]
    [InlineData("AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggHIVY0sdEUfdyeM+E1LtH1uJgAAAAAAAAAAAAA=")]
    [InlineData("AQAAAAAAAAD6AAAAEAhftMyfTJyAAAAAAAAAAAAAAAAAAAih5WsjXaR3PA9M")]
    [InlineData("AQAAAAIAAAAyAAAAEOMwvh3+FZxqkdMBz2ekgGhwQ4A=")]
    [InlineData("AQAAAAIAAAAyAAAAEOMwvh3+FZxqkdMBz2ekgGhwQ4B6pZWND6zgESBuWiHwAAAAAAAAAAAA")]
    // Wrong format, truncated and hostile inputs: never an exception, never a success.
    [InlineData("")]
    [InlineData("my password")]
    [InlineData("$argon2id$")]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=1$")]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA")]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$")]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAA")]
    [InlineData("$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ")]
    [InlineData("$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ")]
    [InlineData("$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ")] // 4 GiB: refused, not computed
    [InlineData("$argon2id$v=19$m=19456,t=100000,p=1$c2FsdHNhbHRzYWx0c2FsdA$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ")]
    [InlineData("$argon2id$v=19$m=19456,t=-2,p=1$c2FsdHNhbHRzYWx0c2FsdA$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ")]
    [InlineData("$argon2id$v=19$t=2,m=19456,p=1$c2FsdHNhbHRzYWx0c2FsdA$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ")]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA==$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ")]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=1$c2Fsd HNhbHRzYWx0c2FsdA$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ")]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ$extra")]
    [InlineData("$pbkdf2-sha512$i=0$c2FsdHNhbHRzYWx0c2FsdA$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ")]
    [InlineData("$pbkdf2-sha512$i=210000$c2FsdHNhbHRzYWx0c2FsdA")]
    [InlineData("$pbkdf2-sha256$i=210000$c2FsdHNhbHRzYWx0c2FsdA$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ")]
    [InlineData("AQ==")]
    [InlineData("AQAAAAIAAAAy")]
    [InlineData("AQAAAAMAAAAyAAAAEOMwvh3+FZxqkdMBz2ekgGhwQ4B6pZWND6zgESBuWiHw")] // unknown PRF 3
    [InlineData("AQAAAAIAAAAy/////OMwvh3+FZxqkdMBz2ekgGhwQ4B6pZWND6zgESBuWiHw")] // salt length beyond the data
    [InlineData("Ag==")]
    public void MalformedTruncatedAndForeignHashesFail(string hash)
    {
        Assert.Equal(PasswordVerificationResult.Failed, _hasher.VerifyHashedPassword(hash, Password));
    }

    [Fact]
    public void HashesTruncatedAtAnyLengthFail()
    {
        using var cheap = Create(new PasswordHashingOptions { Argon2MemoryKiB = 64, Argon2Iterations = 1 });
        var hash = cheap.HashPassword(Password);
        for (var length = 0; length < hash.Length; length++)
        {
            Assert.Equal(PasswordVerificationResult.Failed, cheap.VerifyHashedPassword(hash[..length], Password));
        }
    }

    [Fact]
    public void AlteredTagFails()
    {
        using var cheap = Create(new PasswordHashingOptions { Argon2MemoryKiB = 64, Argon2Iterations = 1 });
        var hash = cheap.HashPassword(Password);
        var middle = hash.Length - 20;
        var altered = hash[..middle] + (hash[middle] == 'A' ? 'B' : 'A') + hash[(middle + 1)..];
        Assert.Equal(PasswordVerificationResult.Failed, cheap.VerifyHashedPassword(altered, Password));

        // The last character carries unused bits; a spelling that differs only there is not the stored hash either.
        var respelled = hash[..^1] + (char)(hash[^1] + 1);
        Assert.Equal(PasswordVerificationResult.Failed, cheap.VerifyHashedPassword(respelled, Password));
        Assert.Equal(PasswordVerificationResult.Success, cheap.VerifyHashedPassword(hash, Password));
    }

    [Fact]
    public void TagComparisonTakesTheSameTimeWhereverTheFirstDifferenceIs()
    {
        // A comparison that stops at the first differing byte answers a guess that is wrong from its first byte
        // thousands of times faster than one wrong only in its last byte; a fixed-time one takes as long for both.
        const int size = 1 << 20;
        var stored = new byte[size];
        var firstDiffers = new byte[size];
        var lastDiffers = new byte[size];
        firstDiffers[0] = 1;
        lastDiffers[^1] = 1;

        var early = MedianTicks(() => PasswordHashFormats.TagsEqual(firstDiffers, stored));
        var late = MedianTicks(() => PasswordHashFormats.TagsEqual(lastDiffers, stored));

        Assert.False(PasswordHashFormats.TagsEqual(firstDiffers, stored));
        Assert.False(PasswordHashFormats.TagsEqual(lastDiffers, stored));
        Assert.False(PasswordHashFormats.TagsEqual(stored.AsSpan(0, 16), stored));
        Assert.True(PasswordHashFormats.TagsEqual(stored, new byte[size]));
        Assert.True(early * 4 > late, $"first byte differs: {early} ticks, last byte differs: {late} ticks");

        static long MedianTicks(Func<bool> compare)
        {
            var samples = new long[31];
            for (var i = 0; i < samples.Length; i++)
            {
                var watch = Stopwatch.StartNew();
                compare();
                samples[i] = watch.ElapsedTicks;
            }

            Array.Sort(samples);
            return samples[samples.Length / 2];
        }
    }

    [Fact]
    public void DummyHashCostsWhatARealHashCosts()
    {
        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", _hasher.DummyHash, StringComparison.Ordinal);
        Assert.Same(_hasher.DummyHash, _hasher.DummyHash);
        Assert.Equal(PasswordVerificationResult.Failed, _hasher.VerifyHashedPassword(_hasher.DummyHash, Password));
    }

    [Theory]
    [InlineData("ANXrDknc7fGPpigibZXXZFMX4aoqz44JveK6jQuwY3eH/UyPhvr5xTPeGYEckLxz9A==", 1)] // Identity V2
    [InlineData("AQAAAAEAACcQAAAAEAABAgMEBQYHCAkKCwwNDg+yWU7rLgUwPZb1Itsmra7cbxw2EFpwpVFIEtP+JIuUEw==", 1)] // Identity V3
    [InlineData("$argon2id$v=19$m=32,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ", 1)] // older Argon2id
    [InlineData("$pbkdf2-sha512$i=1000$c2FsdHNhbHRzYWx0c2FsdA$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ", 1)] // PBKDF2 fallback
    [InlineData("$2a$04$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", 1)] // bcrypt, imported
    [InlineData("$2a$15$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", 0)] // bcrypt above the cost cap: refused uncomputed
    [InlineData("pbkdf2_sha256$1000$Xk2pQ7sLm9Rt$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ=", 1)] // Django PBKDF2
    [InlineData("$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ", 1)] // PBKDF2 PHC, imported
    [InlineData("md5$abc$5f4dcc3b5aa765d61d8327deb882cf99", 0)] // not a format Warden reads
    [InlineData("", 0)]
    public void ARefusedPasswordCostsOneHashAtTheCurrentParametersWhateverTheStoredFormat(string stored, int ownComputations)
    {
        using var hasher = Create(new PasswordHashingOptions { Argon2MemoryKiB = 64, Argon2Iterations = 1 });
        var before = hasher.Computations;

        Assert.Equal(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(stored, "not my password"));

        // Exactly what an unknown account costs (one check against the dummy hash), plus the stored format's own check.
        Assert.Equal(1, hasher.Computations.AtCurrentCost - before.AtCurrentCost);
        Assert.Equal(ownComputations, hasher.Computations.AtOtherCost - before.AtOtherCost);
    }

    [Fact]
    public void AHashAtTheCurrentParametersAndTheDummyHashCostOneComputationEach()
    {
        using var hasher = Create(new PasswordHashingOptions { Argon2MemoryKiB = 64, Argon2Iterations = 1 });
        var hash = hasher.HashPassword(Password);
        _ = hasher.DummyHash;
        var before = hasher.Computations;

        Assert.Equal(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(hash, "not my password"));
        Assert.Equal(PasswordVerificationResult.Success, hasher.VerifyHashedPassword(hash, Password));
        Assert.Equal(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(hasher.DummyHash, Password));
        Assert.Equal(new HashComputations(before.AtCurrentCost + 3, before.AtOtherCost), hasher.Computations);
    }

    [Fact]
    public void NoMoreHashesRunAtOnceThanConfigured()
    {
        using var hasher = Create(new PasswordHashingOptions { MaxConcurrency = 1 });
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() => hasher.HashPassword(Password))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Equal(1, hasher.PeakConcurrency);
        Assert.Equal(Environment.ProcessorCount, _hasher.MaxConcurrency);
    }

    [Fact]
    public async Task HashingInsideAnAwaitedSlotNeitherWaitsForItselfNorExceedsTheLimit()
    {
        // With one slot, a hash that waited for a second slot inside RunInSlotAsync would never finish.
        using var hasher = Create(new PasswordHashingOptions { MaxConcurrency = 1 });
        var hashes = Enumerable.Range(0, 4).Select(_ => hasher.RunInSlotAsync(() => hasher.HashPassword(Password), CancellationToken.None)).ToList();
        var blocking = Task.Run(() => hasher.HashPassword(Password));
        var all = Task.WhenAll([.. hashes, blocking]);

        Assert.Same(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromMinutes(1))));
        Assert.Equal(1, hasher.PeakConcurrency);
        foreach (var hash in await Task.WhenAll(hashes))
        {
            Assert.Equal(PasswordVerificationResult.Success, hasher.VerifyHashedPassword(hash, Password));
        }
    }

    [Fact]
    public async Task HashesRunOnNoMoreThreadsThanThereAreSlotsWhateverTheNumberOfCallers()
    {
        // glibc serves each thread's mallocs from that thread's arena, which keeps the 19 MiB of a hash once freed:
        // hashed on each caller's thread, a flood's hashes would spread over as many arenas as there were callers.
        using var hasher = Create(new PasswordHashingOptions { MaxConcurrency = 2, Argon2MemoryKiB = 64, Argon2Iterations = 1 });
        var blocking = Enumerable.Range(0, 8).Select(_ => new Thread(() => hasher.HashPassword(Password))).ToList();
        blocking.ForEach(t => t.Start());
        var awaited = Enumerable.Range(0, 8)
            .Select(_ => Task.Run(() => hasher.RunInSlotAsync(() => hasher.VerifyHashedPassword(hasher.DummyHash, Password), CancellationToken.None)))
            .ToList();
        blocking.ForEach(t => t.Join());

        Assert.All(await Task.WhenAll(awaited), result => Assert.Equal(PasswordVerificationResult.Failed, result));
        Assert.Equal(new HashComputations(8 + 1 + 8, 0), hasher.Computations); // eight hashes, the dummy hash, eight checks
        Assert.InRange(hasher.HashingThreadCount, 1, 2);
        Assert.InRange(hasher.PeakConcurrency, 1, 2);
    }

    [Fact]
    public async Task AFailureInsideASlotReachesTheCallerAndGivesTheSlotBack()
    {
        using var hasher = Create(new PasswordHashingOptions { MaxConcurrency = 1, Argon2MemoryKiB = 64, Argon2Iterations = 1 });

        await Assert.ThrowsAsync<InvalidOperationException>(() => hasher.RunInSlotAsync<string>(() => throw new InvalidOperationException(), CancellationToken.None));
        Assert.NotNull(await hasher.RunInSlotAsync(() => hasher.HashPassword(Password), CancellationToken.None));
    }

    [Fact]
    public async Task AWaitForASlotCanBeCancelledWithoutTakingIt()
    {
        using var hasher = Create(new PasswordHashingOptions { MaxConcurrency = 1 });
        using var release = new ManualResetEventSlim();
        using var holding = new ManualResetEventSlim();
        var holder = Task.Run(() => hasher.RunInSlotAsync(() => { holding.Set(); return release.Wait(TimeSpan.FromMinutes(1)); }, CancellationToken.None));
        Assert.True(holding.Wait(TimeSpan.FromMinutes(1)));
        using var cancel = new CancellationTokenSource();
        var waiting = hasher.RunInSlotAsync(() => true, cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        release.Set();
        Assert.True(await holder);
        Assert.NotNull(hasher.HashPassword(Password)); // the slot came back
    }
}
