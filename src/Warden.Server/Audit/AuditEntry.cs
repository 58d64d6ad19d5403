using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Warden.Server.Audit;

/// <summary>
/// One security-relevant action, append-only (<c>audit_log</c>). Written from the event it reports, in the same
/// unit of work as the audit handler's completion, so each event is audited exactly once. Details never hold a
/// secret (events cannot). Each entry is split at write time into a public part (what, when, who by id, outcome,
/// details without personal fields) and a personal part (address, device, full details) with a random salt; the
/// hash chain (<see cref="AuditChain"/>) covers the public part and a salted digest of the personal part, so
/// erasing the personal part and its salt leaves a chain that still verifies and nothing to brute-force.
/// Entries written before the chain existed have no <see cref="Sequence"/> and are outside it.
/// </summary>
public sealed class AuditEntry
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>The event this entry reports; unique, a second guard against auditing an event twice.</summary>
    public Guid? EventId { get; set; }
    public DateTimeOffset OccurredAt { get; set; }

    /// <summary>Who acted, when someone other than the subject did (an administrator); null for the subject or the system.</summary>
    public Guid? ActorId { get; set; }

    /// <summary>The user the action was about (null for a failed sign-in to an unknown identifier).</summary>
    public Guid? SubjectId { get; set; }

    /// <summary>The event type, e.g. <c>login.failed</c>; see README, Audit log.</summary>
    public required string Action { get; set; }

    /// <summary><c>success</c> or <c>failure</c>.</summary>
    public required string Outcome { get; set; }
    /// <summary>Personal part: where the request came from.</summary>
    public string? IpAddress { get; set; }

    /// <summary>Personal part: the device that sent the request.</summary>
    public string? UserAgent { get; set; }

    /// <summary>
    /// The rest of the event's data, as a JSON object. On chained entries this is the public part: the details
    /// without their personal fields (<see cref="AuditScrubber"/>); the full details are <see cref="PersonalDetails"/>.
    /// </summary>
    public string Details { get; set; } = "{}";

    /// <summary>Personal part: the event's details as they were, personal fields included; null once erased.</summary>
    public string? PersonalDetails { get; set; }

    /// <summary>Random per-entry salt (hex) of <see cref="PersonalDigest"/>; deleted with the personal part.</summary>
    public string? PersonalSalt { get; set; }

    /// <summary>SHA-256 (hex) of the salt and the personal part, the only trace of it the chain keeps.</summary>
    public string? PersonalDigest { get; set; }

    /// <summary>Position in the chain, gap-free from 1; null for entries written before the chain.</summary>
    public long? Sequence { get; set; }

    /// <summary>Hash (hex) of the entry before this one (or of the last pruned entry, or the genesis hash).</summary>
    public string? PreviousHash { get; set; }

    /// <summary>SHA-256 (hex) over this entry's public part, personal digest and <see cref="PreviousHash"/>.</summary>
    public string? Hash { get; set; }
}

public static class AuditOutcomes
{
    public const string Success = "success";
    public const string Failure = "failure";
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("audit_log");
        builder.Property(e => e.Action).HasMaxLength(100);
        builder.Property(e => e.Outcome).HasMaxLength(16);
        builder.Property(e => e.IpAddress).HasMaxLength(64);
        builder.Property(e => e.UserAgent).HasMaxLength(512);
        builder.Property(e => e.PersonalSalt).HasMaxLength(64);
        builder.Property(e => e.PersonalDigest).HasMaxLength(64);
        builder.Property(e => e.PreviousHash).HasMaxLength(64);
        builder.Property(e => e.Hash).HasMaxLength(64);
        builder.HasIndex(e => e.Sequence).IsUnique();
        builder.HasIndex(e => e.EventId).IsUnique();
        builder.HasIndex(e => e.OccurredAt);
        builder.HasIndex(e => new { e.SubjectId, e.OccurredAt });
        builder.HasIndex(e => new { e.ActorId, e.OccurredAt });
        builder.HasIndex(e => new { e.Action, e.OccurredAt });
    }
}
