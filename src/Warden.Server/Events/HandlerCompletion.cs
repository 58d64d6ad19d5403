using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Warden.Server.Events;

/// <summary>
/// A handler finished an event. The key (message, handler) makes a second completion fail, so a handler whose
/// effects are database changes saved together with this row has them exactly once, even when two dispatchers
/// race after a lease ran out.
/// </summary>
public sealed class HandlerCompletion
{
    public Guid MessageId { get; set; }
    public required string Handler { get; set; }
    public DateTimeOffset CompletedAt { get; set; }
}

internal sealed class HandlerCompletionConfiguration : IEntityTypeConfiguration<HandlerCompletion>
{
    public void Configure(EntityTypeBuilder<HandlerCompletion> builder)
    {
        builder.ToTable("outbox_handler_completions");
        builder.HasKey(c => new { c.MessageId, c.Handler });
        builder.Property(c => c.Handler).HasMaxLength(200);
        builder.HasOne<OutboxMessage>().WithMany().HasForeignKey(c => c.MessageId).OnDelete(DeleteBehavior.Cascade);
    }
}
