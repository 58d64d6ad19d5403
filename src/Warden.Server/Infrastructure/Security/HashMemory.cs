using System.Runtime.InteropServices;

namespace Warden.Server.Infrastructure.Security;

/// <summary>
/// Keeps the memory of password hashes from piling up in the process. Each Argon2id hash mallocs its memory cost
/// (19 MiB by default) and frees it at the end. glibc serves the first such block with mmap, then raises its mmap
/// threshold above that size, so later blocks come from malloc arenas — up to eight per core, one per thread that
/// happened to hash — and an arena keeps what it once held: during a sign-in flood the server grew from ~200 MB to
/// 450-650 MB and stayed there after the load ended, with a managed heap of ~30 MB (bench/RESULTS.md, "Memory").
/// Measured and chosen there: two arenas bound the peak (the hashes run two at a time anyway), and a trim a few
/// seconds after the last hash of a burst gives the free blocks back. A fixed mmap threshold did both but made
/// every hash fault in fresh pages: four times the CPU per hash.
/// Only on glibc (other C libraries have no <c>mallopt</c>), and never over an operator's own
/// <c>MALLOC_ARENA_MAX</c> or <c>GLIBC_TUNABLES</c>.
/// </summary>
internal static unsafe class HashMemory
{
    /// <summary>glibc's <c>M_ARENA_MAX</c>.</summary>
    private const int ArenaMaxParameter = -8;

    public const int Arenas = 2;

    /// <summary>How long after the last hash of a burst the free memory is given back.</summary>
    public static readonly TimeSpan TrimDelay = TimeSpan.FromSeconds(5);

    private static delegate* unmanaged<nuint, int> s_trim;
    private static Timer? s_trimTimer;

    /// <summary>Once, at start-up, before threads allocate; true when the arena limit was set.</summary>
    public static bool Configure()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc)
            || !NativeLibrary.TryGetExport(libc, "mallopt", out var mallopt)
            || !NativeLibrary.TryGetExport(libc, "malloc_trim", out var trim))
        {
            return false;
        }

        s_trim = (delegate* unmanaged<nuint, int>)trim;
        s_trimTimer = new Timer(_ => GiveBack(), null, Timeout.Infinite, Timeout.Infinite);
        if (Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null || Environment.GetEnvironmentVariable("GLIBC_TUNABLES") is not null)
        {
            return false;
        }

        return ((delegate* unmanaged<int, int, int>)mallopt)(ArenaMaxParameter, Arenas) == 1;
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
