using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Http;

/// <summary>
/// Every node's copy of the IP rules: read from memory on each request, never from the database. The one place that
/// reloads it: on the first request, after a change on this node (<see cref="RefreshAsync"/>), and every
/// <see cref="IpRulesOptions.RefreshInterval"/> (<see cref="IpRuleRefresh"/>) so that a change on another node, or by
/// the command line, applies here too. Several nodes will later be told at once through the Redis backplane; that
/// goes here, beside the periodic reload.
/// </summary>
public sealed class IpRuleCache(IServiceScopeFactory scopes, IOptions<IpRulesOptions> options, TimeProvider time, ILogger<IpRuleCache> logger)
    : IDisposable
{
    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile IpRuleSet? _current;

    /// <summary>The rules in force, loaded once if nothing has loaded them yet.</summary>
    public ValueTask<IpRuleSet> GetAsync(CancellationToken cancellationToken) =>
        _current is { } current ? ValueTask.FromResult(current) : new ValueTask<IpRuleSet>(LoadFirstAsync(cancellationToken));

    /// <summary>Reads the rules again now. Loads never overlap, so the last one to finish read the latest rows.</summary>
    public async Task<IpRuleSet> RefreshAsync(CancellationToken cancellationToken)
    {
        await _loading.WaitAsync(cancellationToken);
        try
        {
            return _current = await LoadAsync(cancellationToken);
        }
        finally
        {
            _loading.Release();
        }
    }

    public void Dispose() => _loading.Dispose();

    /// <summary>
    /// Before the first load succeeds (the database unreachable or not yet migrated) a request gets the configured
    /// rules alone and the next one tries again: health and readiness must still answer, and what is configured
    /// still holds.
    /// </summary>
    private async Task<IpRuleSet> LoadFirstAsync(CancellationToken cancellationToken)
    {
        await _loading.WaitAsync(cancellationToken);
        try
        {
            return _current ??= await LoadAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "The stored IP rules could not be read; applying the configured ones only");
            return new IpRuleSet(Parse(options.Value.Allow), Parse(options.Value.Deny), new Dictionary<string, DateTimeOffset>());
        }
        finally
        {
            _loading.Release();
        }
    }

    private async Task<IpRuleSet> LoadAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        var now = time.GetUtcNow();
        var rules = await db.IpRules.AsNoTracking().Select(r => new { r.Action, r.Network }).ToListAsync(cancellationToken);
        var blocks = await db.IpBlocks.AsNoTracking().Where(b => b.ExpiresAt > now)
            .Select(b => new { b.Network, b.ExpiresAt }).ToListAsync(cancellationToken);

        var o = options.Value;
        var allow = Parse(o.Allow);
        var deny = Parse(o.Deny);
        foreach (var rule in rules)
        {
            if (IpNetworks.TryParse(rule.Network, out var range))
            {
                (rule.Action == IpRuleAction.Allow ? allow : deny).Add(range);
            }
        }

        return new IpRuleSet(allow, deny, blocks.ToDictionary(b => b.Network, b => b.ExpiresAt, StringComparer.Ordinal));
    }

    private static List<IPNetwork> Parse(IEnumerable<string> entries) =>
        [.. entries.Select(e => IpNetworks.TryParse(e, out var range) ? range : (IPNetwork?)null).OfType<IPNetwork>()];
}

/// <summary>Reloads <see cref="IpRuleCache"/> every <see cref="IpRulesOptions.RefreshInterval"/> on every node.</summary>
public sealed class IpRuleRefresh(IServiceScopeFactory scopes, TimeProvider time, IpRuleCache cache, IOptions<IpRulesOptions> options, ILogger<IpRuleRefresh> logger)
    : PeriodicJob(scopes, time)
{
    protected override TimeSpan Interval => options.Value.RefreshInterval;

    // The first request loads the rules; at start the database may not be migrated yet.
    protected override bool WaitsBeforeFirstRun => true;

    protected override void LogFailed(Exception exception) =>
        logger.LogWarning(exception, "Reloading the IP rules failed; the rules loaded before stay in force");

    protected override async Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var rules = await cache.RefreshAsync(cancellationToken);
        return rules.Allow.Count + rules.Deny.Count + rules.Blocks.Count;
    }
}
