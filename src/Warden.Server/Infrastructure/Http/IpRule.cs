using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Warden.Server.Infrastructure.Http;

public enum IpRuleAction
{
    Allow,
    Deny,
}

/// <summary>
/// An allow or deny rule an administrator added (<c>ip_rules</c>); the configured ones are not stored. Read into
/// every node's <see cref="IpRuleCache"/>, never per request.
/// </summary>
public sealed class IpRule
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public IpRuleAction Action { get; set; }

    /// <summary>The canonical CIDR range (<see cref="IpNetworks.TryParse"/>), e.g. <c>203.0.113.0/24</c> or <c>198.51.100.7/32</c>.</summary>
    public required string Network { get; set; }
    public string? Note { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public Guid? CreatedBy { get; set; }
}

/// <summary>
/// An automatic block of one client (<c>ip_blocks</c>): its <see cref="ClientPartition"/> key (an IPv4 address or
/// an IPv6 /64) is kept off the credential endpoints until <see cref="ExpiresAt"/>. In the database so every node
/// applies it; a row whose time is up is inert and is replaced by the next block of the same client.
/// </summary>
public sealed class IpBlock
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Network { get; set; }

    /// <summary>Why: <c>credential_stuffing</c>.</summary>
    public required string Reason { get; set; }
    public int Failures { get; set; }
    public int Identifiers { get; set; }
    public DateTimeOffset BlockedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}

internal sealed class IpRuleConfiguration : IEntityTypeConfiguration<IpRule>
{
    public void Configure(EntityTypeBuilder<IpRule> builder)
    {
        builder.ToTable("ip_rules");
        builder.Property(r => r.Action).HasConversion<string>().HasMaxLength(8);
        builder.Property(r => r.Network).HasMaxLength(IpNetworks.MaxLength);
        builder.Property(r => r.Note).HasMaxLength(500);
        builder.HasIndex(r => new { r.Network, r.Action }).IsUnique();
    }
}

internal sealed class IpBlockConfiguration : IEntityTypeConfiguration<IpBlock>
{
    public void Configure(EntityTypeBuilder<IpBlock> builder)
    {
        builder.ToTable("ip_blocks");
        builder.Property(b => b.Network).HasMaxLength(IpNetworks.MaxLength);
        builder.Property(b => b.Reason).HasMaxLength(32);
        builder.HasIndex(b => b.Network).IsUnique();
        builder.HasIndex(b => b.ExpiresAt);
    }
}
