using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Warden.Server.Users;

namespace Warden.Server.Profiles.Phone;

/// <summary>
/// A pending check that a user receives SMS at a number. The request that sets the number creates it; the
/// event handler makes the code, stores only its HMAC here (<see cref="Authentication.TwoFactor.OneTimeCodeHasher"/>, keyed
/// outside the database) and texts it. The code never exists in an event, a log or a table.
/// </summary>
public sealed class PhoneVerification
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }

    /// <summary>The number being verified, encrypted: the code is sent to this one even if the profile changed meanwhile.</summary>
    public required string PhoneNumberProtected { get; set; }

    /// <summary>Null until the handler has sent the code.</summary>
    public string? CodeHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Set with the code: the lifetime runs from sending.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }
    public int Attempts { get; set; }

    /// <summary>Spent: verified, replaced by a newer request, or out of attempts.</summary>
    public DateTimeOffset? ConsumedAt { get; set; }

    public User? User { get; set; }
}

internal sealed class PhoneVerificationConfiguration : IEntityTypeConfiguration<PhoneVerification>
{
    public void Configure(EntityTypeBuilder<PhoneVerification> builder)
    {
        builder.ToTable("phone_verifications");
        builder.Property(v => v.PhoneNumberProtected).HasMaxLength(1024);
        builder.Property(v => v.CodeHash).HasMaxLength(64);
        builder.HasIndex(v => new { v.UserId, v.CreatedAt });
        builder.HasOne(v => v.User).WithMany().HasForeignKey(v => v.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
