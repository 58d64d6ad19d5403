using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Tokens;

/// <summary>
/// A single-use token: mailed to a person (email verification, password reset, email change, invitation), or carried by a
/// form between two steps of one flow (the external sign-in's proof page).
/// </summary>
public sealed class AccountToken
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }
    public AccountTokenPurpose Purpose { get; set; }
    public required byte[] TokenHash { get; set; }

    /// <summary>Purpose-specific, non-secret data (for an email change: the new address).</summary>
    public string? Data { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? ConsumedAt { get; set; }

    public User? User { get; set; }
}

public enum AccountTokenPurpose
{
    EmailVerification,
    PasswordReset,
    EmailChange,
    Invitation,

    /// <summary>An external identity waiting for the proof of the account whose address it named (Oidc/External).</summary>
    ExternalLink,
}

internal sealed class AccountTokenConfiguration : IEntityTypeConfiguration<AccountToken>
{
    public void Configure(EntityTypeBuilder<AccountToken> builder)
    {
        builder.ToTable("account_tokens");
        builder.Property(t => t.Purpose).HasConversion<string>().HasMaxLength(32);
        builder.Property(t => t.TokenHash).HasMaxLength(32);
        builder.Property(t => t.Data).HasMaxLength(1000);
        builder.HasIndex(t => t.TokenHash).IsUnique();
        builder.HasIndex(t => new { t.UserId, t.Purpose });
        builder.HasIndex(t => t.ExpiresAt);
        builder.HasOne(t => t.User).WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
