using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Audit;

public sealed record AuditHeadView(long Sequence, string Hash)
{
    /// <summary>Reads <c>&lt;sequence&gt;:&lt;hash&gt;</c>, the form the head is published in.</summary>
    public static bool TryParse(string? text, out AuditHeadView? head)
    {
        head = null;
        var parts = text?.Split(':') ?? [];
        if (parts.Length != 2
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) || sequence < 0
            || parts[1].Length != 64 || !parts[1].All(char.IsAsciiHexDigit))
        {
            return false;
        }

        head = new AuditHeadView(sequence, parts[1].ToLowerInvariant());
        return true;
    }

    public override string ToString() => $"{Sequence}:{Hash}";
}

/// <summary>What verification found: intact or the first broken link (its sequence number and why).</summary>
public sealed record AuditVerification(bool Intact, long Entries, AuditHeadView Head, long? FirstBrokenAt = null, string? Reason = null);

/// <summary>
/// Walks the chain in sequence order and recomputes every link: the personal digest from the salt and personal
/// part while they exist, the entry hash from the public part, the link to the entry before (or, after retention
/// pruning, to the checkpoint's record of the last pruned entry), and finally the head row. The head row sits in
/// the same database as the log, so whoever can delete the newest entries can rewrite it too: only a head
/// published outside Warden, given as <c>expected</c>, shows that the tail was cut.
/// Appends go on while it walks (the head row moves in the append's own transaction), so the walk stops at the head
/// it read first; entries past that head are accepted only if the head has since moved past them too — otherwise the
/// head row was set back over entries that still exist.
/// </summary>
public static class AuditVerifier
{
    private const int PageSize = 1000;

    public static async Task<AuditVerification> VerifyAsync(WardenDbContext db, AuditHeadView? expected, CancellationToken cancellationToken)
    {
        var stored = await db.AuditHead.AsNoTracking().SingleAsync(h => h.Id == AuditHead.SingletonId, cancellationToken);
        var storedHead = new AuditHeadView(stored.Sequence, stored.Hash);
        var chained = db.AuditLog.AsNoTracking().Where(e => e.Sequence != null && e.Sequence <= stored.Sequence);

        long entries = 0;
        long? expectedSequence = null;
        string? previousHash = null;
        string? expectedHashAtHead = null;
        long last = 0;
        while (true)
        {
            var page = await chained.Where(e => e.Sequence > last).OrderBy(e => e.Sequence).Take(PageSize).ToListAsync(cancellationToken);
            foreach (var entry in page)
            {
                var sequence = entry.Sequence!.Value;
                if (expectedSequence is null)
                {
                    previousHash = await StartAsync(db, sequence, cancellationToken);
                    if (previousHash is null)
                    {
                        return Broken(entries, storedHead, sequence - 1,
                            $"entry {sequence - 1} is missing (the oldest entry is {sequence}) and no checkpoint records its pruning");
                    }
                }
                else if (sequence != expectedSequence)
                {
                    return Broken(entries, storedHead, expectedSequence.Value,
                        $"entry {expectedSequence} is missing (the next entry is {sequence})");
                }

                if (Check(entry, previousHash!) is { } reason)
                {
                    return Broken(entries, storedHead, sequence, reason);
                }

                if (expected is not null && sequence == expected.Sequence)
                {
                    expectedHashAtHead = entry.Hash;
                }

                entries++;
                previousHash = entry.Hash;
                expectedSequence = sequence + 1;
            }

            if (page.Count < PageSize)
            {
                break;
            }

            last = page[^1].Sequence!.Value;
        }

        var lastSequence = (expectedSequence ?? 1) - 1;
        var lastHash = expectedSequence is null ? AuditChain.GenesisHash : previousHash!;
        if (stored.Sequence != lastSequence || stored.Hash != lastHash)
        {
            return stored.Sequence > lastSequence
                ? Broken(entries, storedHead, lastSequence + 1, $"the head is entry {stored.Sequence} but the log ends at {lastSequence}: the newest entries were deleted")
                : Broken(entries, storedHead, lastSequence, $"the head row ({storedHead}) does not match the last entry ({lastSequence}:{lastHash})");
        }

        var after = await db.AuditLog.AsNoTracking().Where(e => e.Sequence > stored.Sequence).MaxAsync(e => e.Sequence, cancellationToken);
        if (after is not null)
        {
            var moved = await db.AuditHead.AsNoTracking().Where(h => h.Id == AuditHead.SingletonId).Select(h => h.Sequence).SingleAsync(cancellationToken);
            if (moved < after)
            {
                return Broken(entries, storedHead, stored.Sequence + 1,
                    $"the log goes on to entry {after} but the head row names entry {moved}: the head row was set back");
            }
        }

        if (expected is not null)
        {
            if (expected.Sequence > lastSequence)
            {
                return Broken(entries, storedHead, lastSequence + 1,
                    $"the published head is entry {expected.Sequence} but the log ends at {lastSequence}: the newest entries were deleted");
            }

            // A published head older than the oldest kept entry was pruned and cannot be checked; any other must match.
            if ((expectedHashAtHead ?? (expected.Sequence == 0 ? AuditChain.GenesisHash : null)) is { } actual && actual != expected.Hash)
            {
                return Broken(entries, storedHead, expected.Sequence, $"entry {expected.Sequence} differs from the published head");
            }
        }

        return new AuditVerification(true, entries, storedHead);
    }

    /// <summary>The hash the oldest kept entry must link to: the genesis, or the last pruned entry's per its checkpoint.</summary>
    private static async Task<string?> StartAsync(WardenDbContext db, long first, CancellationToken cancellationToken)
    {
        if (first == 1)
        {
            return AuditChain.GenesisHash;
        }

        var checkpoints = await db.AuditLog.AsNoTracking()
            .Where(e => e.Sequence != null && e.Action == AuditCheckpoint.Action)
            .Select(e => e.Details)
            .ToListAsync(cancellationToken);
        foreach (var details in checkpoints)
        {
            if (AuditCheckpoint.Read(details) is { } pruned && pruned.Sequence == first - 1)
            {
                return pruned.Hash;
            }
        }

        return null;
    }

    private static string? Check(AuditEntry entry, string previousHash)
    {
        if (entry.PersonalSalt is not null)
        {
            if (AuditChain.PersonalDigest(entry) != entry.PersonalDigest)
            {
                return $"the personal part of entry {entry.Sequence} was altered";
            }
        }
        else if (entry.IpAddress is not null || entry.UserAgent is not null || entry.PersonalDetails is not null)
        {
            return $"entry {entry.Sequence} has a personal part but no salt: it was added after erasure";
        }

        if (AuditChain.EntryHash(entry) != entry.Hash)
        {
            return $"entry {entry.Sequence} was altered (its hash does not match its content)";
        }

        return entry.PreviousHash == previousHash ? null : $"entry {entry.Sequence} does not link to the entry before it";
    }

    private static AuditVerification Broken(long entries, AuditHeadView head, long at, string reason) => new(false, entries, head, at, reason);
}
