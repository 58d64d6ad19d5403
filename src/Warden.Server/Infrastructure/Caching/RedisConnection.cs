using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Warden.Server.Infrastructure.Observability;

namespace Warden.Server.Infrastructure.Caching;

/// <summary>
/// The node's one connection to Redis (<c>Warden:Redis:Configuration</c>), shared by the caches' second level, their
/// backplane and the rate limits. It never blocks a request on a Redis that is away: commands fail at once while the
/// connection is down (<see cref="BacklogPolicy.FailFast"/>) and each user falls back to what the node has
/// (memory caches, per-node rate limits). A lost connection is logged once as a warning and shown by the gauge
/// <c>warden_redis_available</c>; the multiplexer reconnects by itself and the return is logged too.
/// </summary>
public sealed class RedisConnection : IDisposable
{
    private ConnectionMultiplexer? _multiplexer;
    private readonly ILogger<RedisConnection> _logger;
    private int _down;

    public RedisConnection(IOptions<RedisOptions> options, WardenMetrics metrics, ILogger<RedisConnection> logger)
    {
        _logger = logger;
        Options = options.Value;
        if (!Options.IsConfigured)
        {
            return;
        }

        Connect(metrics);
        IsConfigured = true;
    }

    /// <summary>
    /// Apart from the constructor so that a node without Redis never loads the Redis assembly: the JIT loads every
    /// assembly a method names when it compiles the method, taken branch or not.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // nor inlined, not even by ReadyToRun
    private void Connect(WardenMetrics metrics)
    {
        var configuration = ConfigurationOptions.Parse(Options.Configuration!);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ClientName ??= "warden";
        if (!Options.Configuration!.Contains("connectTimeout", StringComparison.OrdinalIgnoreCase))
        {
            configuration.ConnectTimeout = 2000;
        }

        if (!Options.Configuration.Contains("syncTimeout", StringComparison.OrdinalIgnoreCase))
        {
            // A Redis that hangs (rather than refuses) costs a request at most this long, once: the caches and
            // limiters stop asking it until it answers again.
            configuration.SyncTimeout = 1000;
            configuration.AsyncTimeout = 1000;
        }

        _multiplexer = ConnectionMultiplexer.Connect(configuration);
        _multiplexer.ConnectionFailed += (_, e) => Lost(e.Exception);
        _multiplexer.ConnectionRestored += (_, _) => Restored();
        if (!_multiplexer.IsConnected)
        {
            Lost(null);
        }

        metrics.Meter.CreateObservableGauge("warden.redis.available", () => IsAvailable ? 1 : 0, "{bool}",
            "1 while this node reaches Redis (Warden:Redis:Configuration), 0 while it serves from its own caches and limits.");
    }

    public RedisOptions Options { get; }

    // Neither property reads the multiplexer unless configured: a method naming its field's type loads the Redis
    // assembly when compiled (see Connect), and both are asked at start and on every rate-limited request.
    public bool IsConfigured { get; }

    /// <summary>Configured and connected right now.</summary>
    public bool IsAvailable => IsConfigured && IsConnected();

    /// <summary>The shared multiplexer; only when <see cref="IsConfigured"/>.</summary>
    public IConnectionMultiplexer Multiplexer => _multiplexer ?? throw new InvalidOperationException("Warden:Redis:Configuration is not set.");

    public void Dispose()
    {
        if (IsConfigured)
        {
            DisposeMultiplexer();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool IsConnected() => _multiplexer!.IsConnected;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DisposeMultiplexer() => _multiplexer!.Dispose();

    private void Lost(Exception? exception)
    {
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            _logger.LogWarning(exception,
                "Redis is not reachable: this node now serves from its own memory caches (session, status and permission entries for at most 5 seconds) and its own rate-limit buckets until it returns");
        }
    }

    private void Restored()
    {
        if (_multiplexer?.IsConnected == true && Interlocked.Exchange(ref _down, 0) == 1)
        {
            _logger.LogWarning("Redis is reachable again: caches and rate limits are shared with the other nodes again");
        }
    }
}
