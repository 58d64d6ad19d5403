using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Warden.Server.Events;

/// <summary>
/// An event waiting to be delivered. Written in the same SaveChanges/transaction as the change it reports,
/// so it exists exactly when the change does. Data never holds a secret (docs/events.md).
/// </summary>
public sealed class OutboxMessage
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Type { get; set; }
    public Guid? Subject { get; set; }
    public required string Data { get; set; }
    public DateTimeOffset OccurredAt { get; set; }

    // Delivery state, owned by the dispatcher.

    /// <summary>Deliveries started (counted when a dispatcher claims the message, so a message that crashes the process still runs out).</summary>
    public int Attempts { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public DateTimeOffset? ProcessedAt { get; set; }
    public string? LastError { get; set; }
    public bool Poisoned { get; set; }

    /// <summary>The batch that holds the message; with <see cref="LockedUntil"/>, a lease another node respects until it ends.</summary>
    public Guid? ClaimId { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
}

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.ToTable("outbox_messages");
        builder.Property(m => m.Type).HasMaxLength(100);
        builder.Property(m => m.LastError).HasMaxLength(2000);
        builder.HasIndex(m => new { m.ProcessedAt, m.NextAttemptAt });
        builder.HasIndex(m => m.ClaimId);
    }
}
