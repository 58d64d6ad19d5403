using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Warden.Server.Infrastructure.Security;

/// <summary>
/// The few long-lived threads every password hash of one <see cref="WardenPasswordHasher"/> runs on, one per hash
/// slot. Why not the caller's thread: an Argon2id hash mallocs its memory cost (19 MiB by default) and frees it at the
/// end, and glibc serves a thread's mallocs from that thread's arena, which keeps what it once held. Hashed on
/// whichever thread-pool thread served the request, the blocks spread over up to eight arenas per core, each keeping
/// its 19 MiB (a sign-in flood grows the pool, and every new thread is a potential new arena). Hashed here, they live
/// in at most as many arenas as there are slots, and each thread reuses its own block, already faulted in, hash after
/// hash (bench/RESULTS.md, "Memory under load: hash memory on dedicated threads").
/// The hasher's gate admits at most <see cref="Count"/> hashes at once, so a posted hash never waits for a thread:
/// the queue only hands work over.
/// </summary>
internal sealed class HashingThreads(int count) : IDisposable
{
    private readonly BlockingCollection<Action> _work = new(new ConcurrentQueue<Action>());
    private readonly Lock _starting = new();
    private Thread[]? _threads;
    private bool _disposed;

    [ThreadStatic]
    private static HashingThreads? t_owner;

    public int Count { get; } = count > 0 ? count : throw new ArgumentOutOfRangeException(nameof(count));

    /// <summary>True on one of these threads, where a hash runs in place.</summary>
    public bool OnOneOfThem => ReferenceEquals(t_owner, this);

    /// <summary>Runs <paramref name="work"/> on one of the threads and waits for it, blocking the caller.</summary>
    public void Run(Action work)
    {
        if (OnOneOfThem)
        {
            work();
            return;
        }

        using var done = new ManualResetEventSlim();
        ExceptionDispatchInfo? failure = null;
        Post(() =>
        {
            try
            {
                work();
            }
            catch (Exception ex)
            {
                failure = ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                done.Set();
            }
        });
        done.Wait();
        failure?.Throw();
    }

    /// <summary>
    /// Runs <paramref name="work"/> on one of the threads without holding the caller's. The continuation runs on the
    /// thread pool, never on a hashing thread.
    /// </summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        });
        return done.Task;
    }

    private void Post(Action work)
    {
        if (Volatile.Read(ref _threads) is null)
        {
            Start();
        }

        // The caller's execution context (logging scopes, activity) flows to the hash as it would on its own thread.
        var context = ExecutionContext.Capture();
        _work.Add(context is null ? work : () => ExecutionContext.Run(context, static state => ((Action)state!)(), work));
    }

    private void Start()
    {
        lock (_starting)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_threads is not null)
            {
                return;
            }

            var threads = new Thread[Count];
            for (var i = 0; i < threads.Length; i++)
            {
                threads[i] = new Thread(Serve) { IsBackground = true, Name = $"Warden hashing {i + 1}" };
                threads[i].Start();
            }

            Volatile.Write(ref _threads, threads);
        }
    }

    private void Serve()
    {
        t_owner = this;
        foreach (var work in _work.GetConsumingEnumerable())
        {
            work();
        }
    }

    /// <summary>Lets the threads finish what was posted, then ends them.</summary>
    public void Dispose()
    {
        lock (_starting)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _work.CompleteAdding();
        foreach (var thread in Volatile.Read(ref _threads) ?? [])
        {
            thread.Join();
        }

        _work.Dispose();
    }
}
