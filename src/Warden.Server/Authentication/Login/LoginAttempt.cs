using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Warden.Server.Authentication.Login;

/// <summary>
/// Failed sign-in attempts per normalized identifier (an email or username), whether or not an account has
/// it: locking only existing accounts would tell an attacker which ones exist.
/// </summary>
public sealed class LoginAttempt
{
    /// <summary><c>email:</c> or <c>username:</c> followed by the normalized value.</summary>
    public required string Identifier { get; set; }
    public int Failures { get; set; }
    public DateTimeOffset LastAttemptAt { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
}

internal sealed class LoginAttemptConfiguration : IEntityTypeConfiguration<LoginAttempt>
{
    public void Configure(EntityTypeBuilder<LoginAttempt> builder)
    {
        builder.ToTable("login_attempts");
        builder.HasKey(a => a.Identifier);
        builder.Property(a => a.Identifier).HasMaxLength(300);
        builder.HasIndex(a => a.LastAttemptAt);
    }
}
