using System.Diagnostics;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Users;

namespace Warden.Bench;

/// <summary>
/// Figure 1: how many password verifications the machine can do with Warden's configured hasher (taken from
/// Warden's own composition, so with its concurrency limit) on one thread per core — the ceiling no login
/// endpoint can beat. Verification, not hashing, because that is what a login computes. With
/// <c>--hasher aspnet-identity</c>, the same measurement of the peer's hasher (bench/Identity.Peer keeps ASP.NET Core
/// Identity's default <see cref="PasswordHasher{TUser}"/>: PBKDF2-HMAC-SHA512, 100,000 iterations).
/// </summary>
public static class HashCeiling
{
    public static int Run(Options options)
    {
        var threads = options.Number("threads", Environment.ProcessorCount);
        var seconds = options.Number("seconds", 10);
        const string password = "Ceiling-Password-7!";
        if (options.Text("hasher", "warden") == "aspnet-identity")
        {
            var peer = new PasswordHasher<IdentityUser>();
            var peerHash = peer.HashPassword(new IdentityUser(), password);
            return Measure(threads, seconds, () => peer.VerifyHashedPassword(new IdentityUser(), peerHash, password),
                "PBKDF2-HMAC-SHA512 100,000 iterations (ASP.NET Core Identity's PasswordHasher, the peer's)");
        }

        var memoryKiB = options.Number("memory-kib", 19456);
        var iterations = options.Number("iterations", 2);
        using var warden = WardenHost.Build("sqlite", "Data Source=:memory:", memoryKiB, iterations);
        var hasher = warden.Services.GetRequiredService<IPasswordHasher<User>>();

        var hash = hasher.HashPassword(new User(), password);
        var description = hash.StartsWith($"$argon2id$v=19$m={memoryKiB},t={iterations},p=1$", StringComparison.Ordinal)
            ? $"Argon2id m={memoryKiB} KiB t={iterations} p=1 ({hasher.GetType().Name})"
            : $"NOT Argon2id with these parameters: {hasher.GetType().Name} made '{hash[..Math.Min(24, hash.Length)]}...'";
        return Measure(threads, seconds, () => hasher.VerifyHashedPassword(new User(), hash, password), description);
    }

    private static int Measure(int threads, int seconds, Func<PasswordVerificationResult> verify, string description)
    {
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
                if (verify() == PasswordVerificationResult.Failed)
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
        Console.WriteLine(Measurement.FromLatencies("hash", all, elapsed, threads, 0, cpu, description).ToJson());
        return 0;
    }
}
