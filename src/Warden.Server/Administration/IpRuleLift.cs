using System.Net;
using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;

namespace Warden.Server.Administration;

/// <summary>
/// Removing a stored IP rule or lifting an automatic block, each with its event, for the administrators' API and
/// for the break-glass command line (<c>warden ip-rules lift</c>), which needs no running server nor a signed-in
/// administrator and so also frees an administrator who refused their own address. Rules from configuration are
/// not stored and are changed in the configuration.
/// </summary>
public static class IpRuleLift
{
    public const string FromApi = "api";
    public const string FromCommandLine = "command_line";

    public static string Wire(IpRuleAction action) => action == IpRuleAction.Allow ? "allow" : "deny";

    /// <summary>The rules (configured, then stored) and the blocks in force, a line each, as <c>warden ip-rules list</c> prints them.</summary>
    public static async Task<IReadOnlyList<string>> ListAsync(WardenDbContext db, IpRulesOptions options, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        lines.AddRange(options.Allow.Select(n => ("allow", n)).Concat(options.Deny.Select(n => ("deny", n)))
            .Select(r => $"{r.Item1,-6} {r.n,-43} configuration"));
        lines.AddRange((await db.IpRules.AsNoTracking().OrderBy(r => r.CreatedAt).ToListAsync(cancellationToken))
            .Select(rule => $"{Wire(rule.Action),-6} {rule.Network,-43} {rule.Id} {rule.Note}".TrimEnd()));
        lines.AddRange((await db.IpBlocks.AsNoTracking().Where(b => b.ExpiresAt > now).ToListAsync(cancellationToken))
            .Select(block => $"{"block",-6} {block.Network,-43} {block.Id} {block.Reason} until {block.ExpiresAt:u}"));
        return lines;
    }

    /// <summary>Marks the rule removed and writes <c>ip_rule.deleted</c>; the caller saves.</summary>
    public static void RemoveRule(WardenDbContext db, IpRule rule, string source, DateTimeOffset now)
    {
        db.IpRules.Remove(rule);
        db.AddEvent(EventTypes.IpRuleDeleted, null, new { ruleId = rule.Id, action = Wire(rule.Action), network = rule.Network, source }, now);
    }

    /// <summary>
    /// Deletes the block and the failures that made it (or the next failure would block the client again at once) and
    /// writes <c>ip.unblocked</c>; the caller saves, inside a transaction it holds.
    /// </summary>
    public static async Task LiftBlockAsync(WardenDbContext db, IpBlock block, string source, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await db.IpSignInFailures.Where(f => f.Network == block.Network).ExecuteDeleteAsync(cancellationToken);
        db.IpBlocks.Remove(block);
        db.AddEvent(EventTypes.IpUnblocked, null, new { blockId = block.Id, network = block.Network, source }, now);
    }

    /// <summary>
    /// Lifts what <paramref name="target"/> names: a rule's or a block's id, or an address or range, which lifts the
    /// stored rules of exactly that range and the block of that client. Returns what was lifted, for people.
    /// </summary>
    public static async Task<List<string>> LiftAsync(WardenDbContext db, string target, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lifted = new List<string>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        List<IpRule> rules;
        List<IpBlock> blocks;
        if (Guid.TryParse(target, out var id))
        {
            rules = await db.IpRules.Where(r => r.Id == id).ToListAsync(cancellationToken);
            blocks = await db.IpBlocks.Where(b => b.Id == id).ToListAsync(cancellationToken);
        }
        else if (IpNetworks.TryParse(target, out var range))
        {
            var network = range.ToString();
            var blockKey = BlockKey(range);
            rules = await db.IpRules.Where(r => r.Network == network).ToListAsync(cancellationToken);
            blocks = blockKey is null ? [] : await db.IpBlocks.Where(b => b.Network == blockKey).ToListAsync(cancellationToken);
        }
        else
        {
            throw new ArgumentException($"'{target}' is neither an id nor an IP address or CIDR range.", nameof(target));
        }

        foreach (var rule in rules)
        {
            RemoveRule(db, rule, FromCommandLine, now);
            lifted.Add($"{Wire(rule.Action)} rule {rule.Network} ({rule.Id})");
        }

        foreach (var block in blocks)
        {
            await LiftBlockAsync(db, block, FromCommandLine, now, cancellationToken);
            lifted.Add($"automatic block of {block.Network} ({block.Id}){(block.ExpiresAt <= now ? ", already expired" : "")}");
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return lifted;
    }

    /// <summary>The <see cref="ClientPartition"/> key a range is blocked under, if it is one client: an IPv4 address, an IPv6 address or /64.</summary>
    private static string? BlockKey(IPNetwork range) => range.BaseAddress.AddressFamily switch
    {
        AddressFamily.InterNetwork when range.PrefixLength == 32 => ClientPartition.Key(range.BaseAddress),
        AddressFamily.InterNetworkV6 when range.PrefixLength is 64 or 128 => ClientPartition.Key(range.BaseAddress),
        _ => null,
    };
}
