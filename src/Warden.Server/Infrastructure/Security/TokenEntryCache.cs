using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Warden.Server.Infrastructure.Caching;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Infrastructure.Security;

/// <summary>
/// Whether an OpenID Connect token entry (an access token's <c>oi_tkn_id</c>: the bearer handler's grant check, the check
/// endpoint's caller check) is still valid, without a database round trip on every request that shows one: through the
/// cache seam (<see cref="WardenCache"/>, area <c>oidc-tokens</c>: token ids and a yes or no, in memory; the
/// invalidations cross the backplane), for <see cref="Duration"/> (the session check's, set by the OpenID Connect module).
/// <para>
/// Exact on the node that writes: any statement that changes the tokens, the grants or the clients — OpenIddict's own
/// (revocation endpoint, redemption, replay detection, pruning), Warden's (a session's revocation, a withdrawn consent,
/// a deleted client), tracked or bulk — forgets the whole area right after it, or after the commit of its transaction
/// (<see cref="TokenEntryInvalidation"/>), and a check that read the old row meanwhile is not cached. Whole-area, because
/// a statement does not say cheaply which tokens it touched; such writes are rare next to the reads.
/// </para>
/// </summary>
public sealed class TokenEntryCache(WardenCaches caches, TimeSpan duration)
{
    public static readonly CacheArea Area = new("oidc-tokens", Shared: false);

    private static readonly Validity Valid = new(true);
    private static readonly Validity NotValid = new(false);

    private readonly WardenCache _cache = caches.For(Area);

    private sealed record Validity(bool IsValid);

    public TimeSpan Duration => duration;

    /// <summary>The cached answer for the entry, or <paramref name="load"/>'s (true: the entry exists and is valid).</summary>
    public async ValueTask<bool> IsValidAsync(string entryId, Func<CancellationToken, Task<bool>> load, CancellationToken cancellationToken)
    {
        var validity = await _cache.GetOrLoadAsync(entryId, duration, async ct => await load(ct) ? Valid : NotValid, cancellationToken);
        return validity!.IsValid;
    }

    public void Forget() => _cache.Clear();
}

/// <summary>Forgets <see cref="TokenEntryCache"/> after every statement that writes the OpenID Connect tables (after its commit).</summary>
internal sealed class TokenEntryInvalidation(TokenEntryCache cache, AfterCommit afterCommit) : DbCommandInterceptor
{
    private static readonly string[] Tables = ["oidc_tokens", "oidc_authorizations", "oidc_applications"];

    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        Written(command, eventData.Context);
        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Written(command, eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
    {
        Written(command, eventData.Context);
        return result;
    }

    public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
    {
        Written(command, eventData.Context);
        return ValueTask.FromResult(result);
    }

    private void Written(DbCommand command, DbContext? context)
    {
        var sql = command.CommandText;
        if (!Tables.Any(t => sql.Contains(t, StringComparison.Ordinal))
            || !(sql.Contains("UPDATE ", StringComparison.OrdinalIgnoreCase) || sql.Contains("DELETE ", StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }

        cache.Forget();
        if (context is not null)
        {
            afterCommit.Run(context, cache.Forget);
        }
    }
}

public static class TokenEntryCacheRegistration
{
    /// <summary>The cache and its invalidation.</summary>
    public static IServiceCollection AddTokenEntryCache(this IServiceCollection services, Func<IServiceProvider, TimeSpan> duration)
    {
        services.AddSingleton(sp => new TokenEntryCache(sp.GetRequiredService<WardenCaches>(), duration(sp)));
        services.AddSingleton<TokenEntryInvalidation>();
        services.AddDbInterceptor<TokenEntryInvalidation>();
        return services;
    }
}
