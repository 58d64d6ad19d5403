using System.Runtime.InteropServices;

namespace Warden.Server.Infrastructure.Security;

/// <summary>
/// Keeps the memory of password hashes from piling up in the process. Each Argon2id hash mallocs its memory cost
/// (19 MiB by default) and frees it at the end. glibc serves the first such block with mmap, then raises its mmap
/// threshold above that size (and its trim threshold to twice that), so later blocks come from the malloc arena of
/// the thread that hashes, and an arena keeps what it once held. Hashed on whichever thread-pool thread served the
/// request, a sign-in flood spread them over up to eight arenas per core: 450-650 MB resident, staying after the
/// load. The hasher therefore runs every hash on its own few threads (<see cref="HashingThreads"/>, one per slot),
/// each reusing its block, already faulted in, hash after hash; a 5-minute mixed soak then peaked at ~335 MB instead
/// of ~515-560 (bench/RESULTS.md, "Memory under load: hash memory on dedicated threads").
/// What is left here: a few seconds after the last hash of a burst, an aggressive full collection and a
/// <c>malloc_trim</c>. The trim returns the arenas' free chunks but not the top of a non-main arena, which is where a
/// hashing thread's freed block sits: those stay, at most one per hashing thread, for the next hash.
/// No arena limit is set in-process any more: set after the runtime's first threads had their arenas, it only made the
/// hashing threads share arenas with other threads, whose allocations then split the hash blocks (one more 19 MiB
/// block per arena; peak 286 MB against 251 MB without it in a sign-in flood). <c>MALLOC_ARENA_MAX=2</c> from
/// process start (the container image sets it) is another matter: measured beside the hashing threads, it neither
/// helped nor hurt beyond the noise.
/// A fixed mmap threshold would give every block back but makes every hash fault in fresh pages: four times the CPU
/// per hash. Only on glibc (other C libraries have no <c>malloc_trim</c>).
/// </summary>
internal static unsafe class HashMemory
{
    /// <summary>How long after the last hash of a burst the free memory is given back.</summary>
    public static readonly TimeSpan TrimDelay = TimeSpan.FromSeconds(5);

    private static delegate* unmanaged<nuint, int> s_trim;
    private static Timer? s_trimTimer;

    /// <summary>Once, at start-up; true when the memory is given back after each burst (glibc).</summary>
    public static bool Configure()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc)
            || !NativeLibrary.TryGetExport(libc, "malloc_trim", out var trim))
        {
            return false;
        }

        s_trim = (delegate* unmanaged<nuint, int>)trim;
        s_trimTimer = new Timer(_ => GiveBack(), null, Timeout.Infinite, Timeout.Infinite);
        return true;
    }

    /// <summary>
    /// After a burst: the managed heap grew with it too (requests, EF Core's change tracking), and the GC keeps its
    /// free regions committed for the next burst; an aggressive collection compacts and decommits them, then
    /// <c>malloc_trim</c> returns the arenas' free pages. One full collection per burst, seconds after it ended
    /// (bench/RESULTS.md, "Start-up and idle memory, profiled": back under 200 MB within a minute).
    /// </summary>
    private static void GiveBack()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        s_trim(0);
    }

    /// <summary>A hash finished: the trim is (re)scheduled, so it runs once the burst is over, not during it.</summary>
    public static void HashFinished() => s_trimTimer?.Change(TrimDelay, Timeout.InfiniteTimeSpan);
}
