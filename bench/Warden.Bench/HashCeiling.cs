using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Users;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Warden.Bench;

/// <summary>
/// Figure 1: how many password verifications the machine can do with Warden's hasher and parameters, one
/// thread per core — the ceiling no login endpoint can beat. Verification, not hashing, because that is what
/// a login computes; both run the same Argon2id.
/// </summary>
public static class HashCeiling
{
    public static int Run(Options options)
    {
        var threads = options.Number("threads", Environment.ProcessorCount);
        var seconds = options.Number("seconds", 10);
        using var hasher = CreateHasher(options.Number("memory-kib", PasswordHashingOptions.RecommendedArgon2MemoryKiB),
            options.Number("iterations", PasswordHashingOptions.RecommendedArgon2Iterations), threads);
        if (!hasher.UsesArgon2)
        {
            Console.Error.WriteLine("hash: libargon2 is not available; the ceiling would be PBKDF2's, not Argon2id's");
            return 1;
        }

        const string password = "Ceiling-Password-7!";
        var hash = hasher.HashPassword(new User(), password);
        var perThread = new List<double>[threads];
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var mine = perThread[t] = [];
            while (stopwatch.Elapsed < deadline)
            {
                var started = Stopwatch.GetTimestamp();
                if (hasher.VerifyHashedPassword(null!, hash, password) != Microsoft.AspNetCore.Identity.PasswordVerificationResult.Success)
                {
                    throw new InvalidOperationException("the hash did not verify");
                }

                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }) { IsBackground = true }).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        var elapsed = stopwatch.Elapsed.TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;

        var all = perThread.SelectMany(l => l).ToList();
        Console.WriteLine(Measurement.FromLatencies("hash", all, elapsed, threads, 0, cpu, hasher.Description).ToJson());
        return 0;
    }

    public static WardenPasswordHasher CreateHasher(int memoryKiB, int iterations, int maxConcurrency = 0) => new(
        MsOptions.Create(new PasswordHashingOptions
        {
            Argon2MemoryKiB = memoryKiB,
            Argon2Iterations = iterations,
            MaxConcurrency = maxConcurrency,
        }),
        NullLogger<WardenPasswordHasher>.Instance);
}
