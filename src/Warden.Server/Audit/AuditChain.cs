using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Audit;

/// <summary>
/// The hash chain over the audit log. Each entry's hash is SHA-256 over a canonical encoding of its public part,
/// the salted digest of its personal part and the hash of the entry before it. Every field is written with a
/// presence byte and a length prefix, so no two different entries encode alike (no "a|b" + "c" = "a" + "b|c").
/// </summary>
public static class AuditChain
{
    /// <summary>The "previous hash" of entry 1.</summary>
    public static readonly string GenesisHash = new('0', 64);

    private static readonly byte[] EntryDomain = "warden.audit.entry.v1"u8.ToArray();
    private static readonly byte[] PersonalDomain = "warden.audit.personal.v1"u8.ToArray();

    /// <summary>
    /// Appends the entry at the head of the chain: numbers it, links it and hashes it, and moves the head. Must run
    /// inside the caller's transaction, which also saves the entry: the head row stays locked until it commits, so
    /// a second appender (this node or another) waits and then links to this entry. The first statement is an
    /// UPDATE, which takes the row lock on PostgreSQL and the write lock on SQLite before anything is read.
    /// </summary>
    public static async Task AppendAsync(WardenDbContext db, AuditEntry entry, CancellationToken cancellationToken) =>
        await AppendAsync(db, entry, known: null, cancellationToken);

    /// <summary>
    /// As above; given the head a previous append returned in the same transaction (which still holds the head's
    /// lock, so no one else can have moved it), the head is not read again: one UPDATE moves it. A head from another
    /// transaction is not trusted, and the head is read as above.
    /// </summary>
    public static async Task<Head> AppendAsync(WardenDbContext db, AuditEntry entry, Head? known, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is not { } transaction)
        {
            throw new InvalidOperationException("Audit entries are appended inside a transaction that also saves them.");
        }

        if (known is not null && ReferenceEquals(known.Transaction, transaction))
        {
            var sequence = known.Sequence + 1;
            Seal(entry, sequence, known.Hash);
            var hash = entry.Hash!;
            await db.AuditHead.Where(h => h.Id == AuditHead.SingletonId).ExecuteUpdateAsync(s => s
                .SetProperty(h => h.Sequence, sequence)
                .SetProperty(h => h.Hash, hash), cancellationToken);
        }
        else
        {
            await db.AuditHead.Where(h => h.Id == AuditHead.SingletonId)
                .ExecuteUpdateAsync(s => s.SetProperty(h => h.Sequence, h => h.Sequence + 1), cancellationToken);
            var head = await db.AuditHead.AsNoTracking().Where(h => h.Id == AuditHead.SingletonId)
                .Select(h => new { h.Sequence, h.Hash }).SingleAsync(cancellationToken);

            Seal(entry, head.Sequence, head.Hash);
            await db.AuditHead.Where(h => h.Id == AuditHead.SingletonId)
                .ExecuteUpdateAsync(s => s.SetProperty(h => h.Hash, entry.Hash), cancellationToken);
        }

        db.AuditLog.Add(entry);
        return new Head(transaction, entry.Sequence!.Value, entry.Hash!);
    }

    /// <summary>The chain's head as an append left it, inside the transaction that holds its lock.</summary>
    public sealed record Head(IDbContextTransaction Transaction, long Sequence, string Hash);

    /// <summary>
    /// Gives the entry its personal salt and digest (once, at write time), its place and its hash. The instant is cut
    /// to a tenth of a millisecond first, the finest both providers keep: the hash must survive the round trip.
    /// </summary>
    public static void Seal(AuditEntry entry, long sequence, string previousHash)
    {
        entry.OccurredAt = TruncateToStoredPrecision(entry.OccurredAt);
        if (entry.PersonalSalt is null && entry.PersonalDigest is null)
        {
            entry.PersonalSalt = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
            entry.PersonalDigest = PersonalDigest(entry);
        }

        entry.Sequence = sequence;
        entry.PreviousHash = previousHash;
        entry.Hash = EntryHash(entry);
    }

    /// <summary>SHA-256 of the salt and the personal part; null when the salt is gone (erased).</summary>
    public static string? PersonalDigest(AuditEntry entry)
    {
        if (entry.PersonalSalt is null)
        {
            return null;
        }

        var writer = new CanonicalWriter(PersonalDomain);
        writer.Add(entry.PersonalSalt);
        writer.Add(entry.IpAddress);
        writer.Add(entry.UserAgent);
        writer.Add(entry.PersonalDetails);
        return writer.Hash();
    }

    /// <summary>The hash the entry must carry, computed from what is stored.</summary>
    public static string EntryHash(AuditEntry entry)
    {
        var writer = new CanonicalWriter(EntryDomain);
        writer.Add(entry.Sequence);
        writer.Add(entry.PreviousHash);
        writer.Add(entry.Id.ToString("D"));
        writer.Add(entry.EventId?.ToString("D"));
        writer.Add(entry.OccurredAt.UtcTicks);
        writer.Add(entry.Action);
        writer.Add(entry.Outcome);
        writer.Add(entry.ActorId?.ToString("D"));
        writer.Add(entry.SubjectId?.ToString("D"));
        writer.Add(entry.Details);
        writer.Add(entry.PersonalDigest);
        return writer.Hash();
    }

    /// <summary>SQLite stores instants in units of 1000 ticks (DateTimeOffsetToBinaryConverter), PostgreSQL in microseconds.</summary>
    public static DateTimeOffset TruncateToStoredPrecision(DateTimeOffset instant) =>
        new(instant.UtcTicks - instant.UtcTicks % 1000, TimeSpan.Zero);

    private sealed class CanonicalWriter
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public CanonicalWriter(byte[] domain) => Write(domain);

        public void Add(string? value)
        {
            if (value is null)
            {
                _hash.AppendData([0]);
                return;
            }

            _hash.AppendData([1]);
            Write(Encoding.UTF8.GetBytes(value));
        }

        public void Add(long? value)
        {
            if (value is not { } number)
            {
                _hash.AppendData([0]);
                return;
            }

            _hash.AppendData([1]);
            Span<byte> bytes = stackalloc byte[8];
            BinaryPrimitives.WriteInt64BigEndian(bytes, number);
            Write(bytes);
        }

        public string Hash()
        {
            var digest = Convert.ToHexStringLower(_hash.GetHashAndReset());
            _hash.Dispose();
            return digest;
        }

        private void Write(ReadOnlySpan<byte> bytes)
        {
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            _hash.AppendData(length);
            _hash.AppendData(bytes);
        }
    }
}
