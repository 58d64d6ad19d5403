using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Warden.Server.Webhooks;

/// <summary>
/// One event for one subscription (<c>webhook_deliveries</c>), with the exact body that is signed and sent on
/// every attempt. Unique per (subscription, event): an event fans out to a subscription once.
/// </summary>
public sealed class WebhookDelivery
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SubscriptionId { get; set; }
    public Guid EventId { get; set; }
    public required string EventType { get; set; }
    public required string Payload { get; set; }
    public WebhookDeliveryStatus Status { get; set; } = WebhookDeliveryStatus.Pending;
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public DateTimeOffset? LastAttemptAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>The receiver's HTTP status on the last attempt (null when it never answered).</summary>
    public int? ResponseStatus { get; set; }
    public string? LastError { get; set; }

    /// <summary>The sender holding the delivery; with <see cref="LockedUntil"/>, a lease other nodes respect.</summary>
    public Guid? ClaimId { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
}

public enum WebhookDeliveryStatus
{
    /// <summary>Waiting for its first attempt (or a manual redelivery).</summary>
    Pending,

    /// <summary>An attempt failed; the next one is scheduled.</summary>
    Retrying,
    Delivered,

    /// <summary>Every attempt failed; only a manual redelivery sends it again.</summary>
    Dead,
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.ToTable("webhook_deliveries");
        builder.Property(d => d.EventType).HasMaxLength(100);
        builder.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(d => d.LastError).HasMaxLength(500);
        builder.HasIndex(d => new { d.SubscriptionId, d.EventId }).IsUnique();
        builder.HasIndex(d => new { d.Status, d.NextAttemptAt });
        builder.HasIndex(d => d.ClaimId);
        builder.HasOne<WebhookSubscription>().WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
    }
}
