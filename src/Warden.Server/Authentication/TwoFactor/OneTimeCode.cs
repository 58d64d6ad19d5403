using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Warden.Server.Authentication.TwoFactor;

/// <summary>
/// A 6-digit code sent by SMS or email for a sign-in. Stored as an HMAC (six digits hashed plainly would be
/// reversed offline in a moment), bound to one pending session, spent once, and dead after too many wrong tries.
/// </summary>
public sealed class OneTimeCode
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }

    /// <summary>The pending sign-in session the code may finish.</summary>
    public Guid SessionId { get; set; }

    /// <summary><c>sms</c> or <c>email</c>.</summary>
    public required string Method { get; set; }
    public required string CodeHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? ConsumedAt { get; set; }
    public int FailedAttempts { get; set; }
}

internal sealed class OneTimeCodeConfiguration : IEntityTypeConfiguration<OneTimeCode>
{
    public void Configure(EntityTypeBuilder<OneTimeCode> builder)
    {
        builder.ToTable("one_time_codes");
        builder.Property(c => c.Method).HasMaxLength(16);
        builder.Property(c => c.CodeHash).HasMaxLength(64);
        builder.HasIndex(c => c.SessionId);
        builder.HasIndex(c => c.ExpiresAt);
        builder.HasOne<Users.User>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
