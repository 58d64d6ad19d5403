namespace Warden.Tests.Infrastructure;

/// <summary>A clock that tests move by hand, so nothing ever sleeps to let time pass.</summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    /// <summary>Starts at the current whole second (SQLite keeps instants to a tenth of a millisecond).</summary>
    public ManualTimeProvider() : this(WholeSecond(DateTimeOffset.UtcNow))
    {
    }

    private static DateTimeOffset WholeSecond(DateTimeOffset now) => new(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

    public void Set(DateTimeOffset to) => Interlocked.Exchange(ref _ticks, to.UtcTicks);
}
