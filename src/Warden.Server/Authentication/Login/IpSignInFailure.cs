using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Warden.Server.Authentication.Login;

/// <summary>
/// One failed sign-in from one client (<c>ip_sign_in_failures</c>), kept for <c>Warden:IpRules:AutoBlockWindow</c>:
/// what <see cref="CredentialStuffingGuard"/> counts. In the database, so failures spread over several nodes add up.
/// The identifier is kept only as a hash: only whether two failures named the same one matters.
/// </summary>
public sealed class IpSignInFailure
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>The client's <c>ClientPartition</c> key: an IPv4 address or an IPv6 /64.</summary>
    public required string Network { get; set; }

    /// <summary>SHA-256 (hex, first 16 bytes) of the throttle key the failure counted on.</summary>
    public required string IdentifierHash { get; set; }
    public DateTimeOffset FailedAt { get; set; }
}

internal sealed class IpSignInFailureConfiguration : IEntityTypeConfiguration<IpSignInFailure>
{
    public void Configure(EntityTypeBuilder<IpSignInFailure> builder)
    {
        builder.ToTable("ip_sign_in_failures");
        builder.Property(f => f.Network).HasMaxLength(64);
        builder.Property(f => f.IdentifierHash).HasMaxLength(32);
        builder.HasIndex(f => new { f.Network, f.FailedAt });
        builder.HasIndex(f => f.FailedAt);
    }
}
