using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Warden.Server.Infrastructure.Hosting;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Foundation;

/// <summary>
/// The background jobs' first rounds wait for the first readiness answer (or a wake-up), so that they do not compete
/// with the start for the CPU (bench/RESULTS.md, "second pass"). Before the gate each job ran its first round inside
/// the host's StartAsync, synchronously up to its first database call.
/// </summary>
public sealed class FirstRoundsGateTests : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly FirstRoundsGate _gate;

    public FirstRoundsGateTests()
    {
        // A host lifetime that never says "started": the grace never runs out, only Open() opens the gate.
        _services = new ServiceCollection()
            .AddSingleton<IHostApplicationLifetime>(new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance))
            .AddSingleton<FirstRoundsGate>()
            .BuildServiceProvider();
        _gate = _services.GetRequiredService<FirstRoundsGate>();
    }

    [Fact]
    public async Task APeriodicJobRunsItsFirstRoundOnlyOnceTheGateOpens()
    {
        using var job = new CountingJob(_services.GetRequiredService<IServiceScopeFactory>(), _gate);
        await job.StartAsync(CancellationToken.None);
        Assert.Equal(0, job.Rounds);

        _gate.Open();
        await Eventually.TrueAsync(() => job.Rounds == 1, "the first round after the gate opened");
        await job.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ADrainLoopStartsWhenTheGateOpens()
    {
        using var loop = new CountingLoop(new TestSignal(), _gate);
        await loop.StartAsync(CancellationToken.None);
        Assert.Equal(0, loop.Passes);

        _gate.Open();
        await Eventually.TrueAsync(() => loop.Passes == 1, "the first pass after the gate opened");
        await loop.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ADrainLoopWokenByWorkDoesNotWaitForTheGate()
    {
        var signal = new TestSignal();
        using var loop = new CountingLoop(signal, _gate);
        await loop.StartAsync(CancellationToken.None);
        Assert.Equal(0, loop.Passes);

        signal.Wake();
        await Eventually.TrueAsync(() => loop.Passes == 1, "the pass for the work this node queued");
        Assert.False(_gate.IsOpen);

        // The wake-up was spent on the first pass, not left pending: the next one waits for a wake-up again.
        signal.Wake();
        await Eventually.TrueAsync(() => loop.Passes == 2, "the pass for the next wake-up");
        await loop.StopAsync(CancellationToken.None);
    }

    public void Dispose() => _services.Dispose();

    private sealed class CountingJob(IServiceScopeFactory scopes, FirstRoundsGate gate) : PeriodicJob(scopes, gate, TimeProvider.System)
    {
        private int _rounds;

        public int Rounds => Volatile.Read(ref _rounds);

        protected override TimeSpan Interval => TimeSpan.FromHours(1);

        protected override Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken) =>
            Task.FromResult(Interlocked.Increment(ref _rounds));

        protected override void LogFailed(Exception exception) => throw exception;
    }

    private sealed class TestSignal : WakeSignal;

    private sealed class CountingLoop(WakeSignal signal, FirstRoundsGate gate) : DrainLoop(signal, gate, TimeProvider.System)
    {
        private int _passes;

        public int Passes => Volatile.Read(ref _passes);

        protected override TimeSpan PollInterval => TimeSpan.FromHours(1);

        protected override Task<int> ProcessBatchAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _passes);
            return Task.FromResult(0);
        }

        protected override void LogPassFailed(Exception exception) => throw exception;
    }
}
