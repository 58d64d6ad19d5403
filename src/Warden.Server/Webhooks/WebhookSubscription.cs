using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Warden.Server.Webhooks;

/// <summary>A receiver of events (<c>webhook_subscriptions</c>). Its signing secret is stored encrypted and shown once.</summary>
public sealed class WebhookSubscription
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Url { get; set; }

    /// <summary>Event types separated by spaces: exact types, <c>prefix.*</c>, or <c>*</c> for all.</summary>
    public required string EventTypes { get; set; }

    /// <summary>The HMAC secret, encrypted with <c>SecretProtector</c>.</summary>
    public required string ProtectedSecret { get; set; }
    public string? Description { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public Guid? CreatedBy { get; set; }

    public IReadOnlyList<string> EventTypeList => EventTypes.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public bool Matches(string eventType) => Matches(EventTypeList, eventType);

    public static bool Matches(IEnumerable<string> patterns, string eventType) => patterns.Any(p =>
        p == "*"
        || string.Equals(p, eventType, StringComparison.Ordinal)
        || (p.EndsWith(".*", StringComparison.Ordinal) && eventType.StartsWith(p[..^1], StringComparison.Ordinal)));
}

internal sealed class WebhookSubscriptionConfiguration : IEntityTypeConfiguration<WebhookSubscription>
{
    public void Configure(EntityTypeBuilder<WebhookSubscription> builder)
    {
        builder.ToTable("webhook_subscriptions");
        builder.Property(s => s.Url).HasMaxLength(2000);
        builder.Property(s => s.EventTypes).HasMaxLength(4000);
        builder.Property(s => s.ProtectedSecret).HasMaxLength(2000);
        builder.Property(s => s.Description).HasMaxLength(500);
        builder.Ignore(s => s.EventTypeList);
    }
}
