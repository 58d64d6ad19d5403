using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Caching;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Http;

/// <summary>
/// Every node's copy of the IP rules: read from memory on each request, never from the database. The one place that
/// reloads it: on the first request, after a change on this node (<see cref="RefreshAsync"/>), and every
/// <see cref="IpRulesOptions.RefreshInterval"/> (<see cref="IpRuleRefresh"/>) so that a change by the command line, or
/// on another node while Redis is away, applies here too. With Redis the node that changed the rules tells the others
/// through the backplane (<see cref="ChangedAsync"/>) and they reload at once: a block applies everywhere within a second.
/// </summary>
public sealed class IpRuleCache : IDisposable
{
    private static readonly CacheArea Area = new("ip-rules", Shared: false);

    private readonly SemaphoreSlim _loading = new(1, 1);
    private readonly IServiceScopeFactory _scopes;
    private readonly IOptions<IpRulesOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<IpRuleCache> _logger;
    private readonly WardenCache _announcements;
    private volatile IpRuleSet? _current;

    public IpRuleCache(IServiceScopeFactory scopes, IOptions<IpRulesOptions> options, TimeProvider time, WardenCaches caches, ILogger<IpRuleCache> logger)
    {
        _scopes = scopes;
        _options = options;
        _time = time;
        _logger = logger;
        _announcements = caches.For(Area);
        _announcements.ChangedElsewhere += () => _ = ReloadAfterAnnouncementAsync();
    }

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

    /// <summary>After this node changed the rules: reads them again here and tells the other nodes to.</summary>
    public async Task<IpRuleSet> ChangedAsync(CancellationToken cancellationToken)
    {
        var rules = await RefreshAsync(cancellationToken);
        _announcements.Remove("rules");
        return rules;
    }

    public void Dispose() => _loading.Dispose();

    private async Task ReloadAfterAnnouncementAsync()
    {
        try
        {
            await RefreshAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Reloading the IP rules another node changed failed; the periodic reload will try again");
        }
    }

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
            _logger.LogWarning(ex, "The stored IP rules could not be read; applying the configured ones only");
            return new IpRuleSet(Parse(_options.Value.Allow), Parse(_options.Value.Deny), new Dictionary<string, DateTimeOffset>());
        }
        finally
        {
            _loading.Release();
        }
    }

    private async Task<IpRuleSet> LoadAsync(CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        var now = _time.GetUtcNow();
        var rules = await db.IpRules.AsNoTracking().Select(r => new { r.Action, r.Network }).ToListAsync(cancellationToken);
        var blocks = await db.IpBlocks.AsNoTracking().Where(b => b.ExpiresAt > now)
            .Select(b => new { b.Network, b.ExpiresAt }).ToListAsync(cancellationToken);

        var o = _options.Value;
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
public sealed class IpRuleRefresh(IServiceScopeFactory scopes, FirstRoundsGate gate, TimeProvider time, IpRuleCache cache, IOptions<IpRulesOptions> options, ILogger<IpRuleRefresh> logger)
    : PeriodicJob(scopes, gate, time)
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
