using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Warden.Server.Audit;

/// <summary>
/// The one row (<c>audit_head</c>) that orders the audit chain: the sequence number and hash of the newest entry.
/// Every append locks it first (<see cref="AuditChain.AppendAsync"/>), so entries written by several nodes at once
/// still get consecutive numbers and each links to the one before.
/// </summary>
public sealed class AuditHead
{
    public const int SingletonId = 1;

    public int Id { get; set; } = SingletonId;
    public long Sequence { get; set; }
    public required string Hash { get; set; }
}

internal sealed class AuditHeadConfiguration : IEntityTypeConfiguration<AuditHead>
{
    public void Configure(EntityTypeBuilder<AuditHead> builder)
    {
        builder.ToTable("audit_head");
        builder.Property(h => h.Id).ValueGeneratedNever();
        builder.Property(h => h.Hash).HasMaxLength(64);
        builder.HasData(new AuditHead { Id = AuditHead.SingletonId, Sequence = 0, Hash = AuditChain.GenesisHash });
    }
}
