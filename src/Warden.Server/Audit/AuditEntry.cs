using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Warden.Server.Audit;

/// <summary>
/// One security-relevant action, append-only (<c>audit_log</c>). Written from the event it reports, in the same
/// unit of work as the audit handler's completion, so each event is audited exactly once. Details never hold a
/// secret (events cannot), and lose their personal fields when the user is erased.
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
    public string? IpAddress { get; set; }
    public string? UserAgent { get; set; }

    /// <summary>The rest of the event's data, as a JSON object.</summary>
    public string Details { get; set; } = "{}";
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
        builder.HasIndex(e => e.EventId).IsUnique();
        builder.HasIndex(e => e.OccurredAt);
        builder.HasIndex(e => new { e.SubjectId, e.OccurredAt });
        builder.HasIndex(e => new { e.ActorId, e.OccurredAt });
        builder.HasIndex(e => new { e.Action, e.OccurredAt });
    }
}
