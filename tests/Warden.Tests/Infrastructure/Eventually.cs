using System.Diagnostics;

namespace Warden.Tests.Infrastructure;

/// <summary>
/// Waits, within a bounded real-time deadline, for something the server does after the request returned
/// (an outbox handler, a background loop). The one polling loop of the suite: a timeout fails the test with
/// what was awaited.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    public static Task TrueAsync(Func<bool> condition, string because, TimeSpan? within = null, Func<string>? otherwise = null) =>
        TrueAsync(() => Task.FromResult(condition()), because, within, otherwise);

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string because, TimeSpan? within = null, Func<string>? otherwise = null) =>
        await ValueAsync<object>(async () => await condition() ? Held : null, because, within, otherwise);

    /// <summary>Waits until <paramref name="probe"/> finds something (not null) and returns it.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T?>> probe, string because, TimeSpan? within = null, Func<string>? otherwise = null)
        where T : class
    {
        var timeout = within ?? DefaultTimeout;
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            if (watch.Elapsed > timeout)
            {
                var detail = otherwise is null ? "" : " " + otherwise();
                throw new Xunit.Sdk.XunitException($"Waited {timeout.TotalSeconds:0.#} s for {because}, in vain.{detail}");
            }

            await Task.Delay(PollInterval);
        }
    }

    private static readonly object Held = new();
}
