using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;

namespace Warden.Server.Authentication.Login;

/// <summary>
/// Automatic blocks against credential stuffing. The per-identifier lockout (<see cref="LoginThrottle"/>) cannot see
/// one address trying a leaked list of accounts a password or two each; this counts the failures per client
/// (<see cref="ClientPartition"/>: an IPv4 address or an IPv6 /64, so rotating through a /64 does not help) and,
/// when they reach <c>AutoBlockFailures</c> spanning <c>AutoBlockIdentifiers</c> distinct identifiers within
/// <c>AutoBlockWindow</c>, blocks the client from the credential endpoints for <c>AutoBlockDuration</c>. The block is
/// a row every node applies (<see cref="IpRuleCache"/>), written with its <c>ip.blocked</c> event. Nobody else is
/// affected: the accounts tried are not locked by this, and their owners sign in from their own addresses. An
/// allow-listed client is never counted. The client address is the one after trusted-proxy resolution, so a forged
/// <c>X-Forwarded-For</c> from an untrusted sender neither hides the attacker nor gets a victim's address blocked.
/// </summary>
public sealed class CredentialStuffingGuard(WardenDbContext db, IpRuleCache cache, TimeProvider time, IOptions<IpRulesOptions> options)
{
    /// <summary>Counts a failed sign-in on <paramref name="throttleKey"/>; true when it blocked the client.</summary>
    public async Task<bool> FailedAsync(HttpContext http, string throttleKey, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var address = http.Connection.RemoteIpAddress;
        if (o.AutoBlockFailures == 0 || address is null || (await cache.GetAsync(cancellationToken)).IsAllowListed(address))
        {
            return false;
        }

        var network = ClientPartition.Key(address);
        var now = time.GetUtcNow();
        db.IpSignInFailures.Add(new IpSignInFailure { Network = network, IdentifierHash = IdentifierHash(throttleKey), FailedAt = now });
        await db.SaveChangesAsync(cancellationToken);

        var since = now - o.AutoBlockWindow;
        var recent = db.IpSignInFailures.Where(f => f.Network == network && f.FailedAt > since);
        var failures = await recent.CountAsync(cancellationToken);
        if (failures < o.AutoBlockFailures)
        {
            return false;
        }

        var identifiers = await recent.Select(f => f.IdentifierHash).Distinct().CountAsync(cancellationToken);
        if (identifiers < o.AutoBlockIdentifiers || !await BlockAsync(network, failures, identifiers, now, o.AutoBlockDuration, cancellationToken))
        {
            return false;
        }

        await cache.ChangedAsync(cancellationToken); // this node applies it from the next request, the others when told (Redis) or within RefreshInterval
        return true;
    }

    /// <summary>
    /// Writes the block and its event in one transaction. A block still in force (another node was first) is left
    /// as it is and no second event is written; an expired row of the same client is renewed by one conditional update.
    /// </summary>
    private async Task<bool> BlockAsync(string network, int failures, int identifiers, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken)
    {
        var until = now + duration;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var existing = await db.IpBlocks.AsNoTracking().Where(b => b.Network == network).Select(b => new { b.Id, b.ExpiresAt }).SingleOrDefaultAsync(cancellationToken);
        Guid blockId;
        if (existing is null)
        {
            var block = new IpBlock
            {
                Network = network, Reason = IpBlockReasons.CredentialStuffing, Failures = failures, Identifiers = identifiers,
                BlockedAt = now, ExpiresAt = until,
            };
            db.IpBlocks.Add(block);
            blockId = block.Id;
        }
        else
        {
            var renewed = existing.ExpiresAt <= now && await db.IpBlocks.Where(b => b.Id == existing.Id && b.ExpiresAt <= now)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(b => b.Reason, IpBlockReasons.CredentialStuffing)
                    .SetProperty(b => b.Failures, failures)
                    .SetProperty(b => b.Identifiers, identifiers)
                    .SetProperty(b => b.BlockedAt, now)
                    .SetProperty(b => b.ExpiresAt, until), cancellationToken) == 1;
            if (!renewed)
            {
                return false;
            }

            blockId = existing.Id;
        }

        db.AddEvent(EventTypes.IpBlocked, null,
            new { blockId, network, reason = IpBlockReasons.CredentialStuffing, failures, identifiers, until }, now);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return false; // another node inserted the same client's block at the same moment: it wrote the event
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>How a failure's identifier is kept: whether two failures named the same one, and erasure, need no more.</summary>
    public static string IdentifierHash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 16));
}

public static class IpBlockReasons
{
    public const string CredentialStuffing = "credential_stuffing";
}
