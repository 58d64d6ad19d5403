using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Warden.Server.Users;

namespace Warden.Server.Profiles;

/// <summary>The person behind an account (the source documents' UserProfile), created on <c>user.registered</c>.</summary>
public sealed class UserProfile
{
    public Guid UserId { get; set; }
    public string? FullName { get; set; }
    public string? FirstName { get; set; }
    public string? LastName { get; set; }
    public string? Bio { get; set; }
    public string? AvatarUrl { get; set; }
    public string? Timezone { get; set; }
    public string? Locale { get; set; }

    /// <summary>E.164 number, encrypted at rest (Data Protection).</summary>
    public string? PhoneNumberProtected { get; set; }
    public bool PhoneVerified { get; set; }

    /// <summary>The application's own preferences: a JSON object.</summary>
    public string Preferences { get; set; } = "{}";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Raised by every update; a concurrency token, so two concurrent merge patches cannot lose one another's changes.</summary>
    public int Version { get; set; }

    public User? User { get; set; }

    /// <summary>The name to show: the full name, else first and last name joined.</summary>
    public string? DisplayName =>
        !string.IsNullOrWhiteSpace(FullName) ? FullName
        : string.Join(' ', new[] { FirstName, LastName }.Where(n => !string.IsNullOrWhiteSpace(n))) is { Length: > 0 } joined ? joined
        : null;
}

internal sealed class UserProfileConfiguration : IEntityTypeConfiguration<UserProfile>
{
    public void Configure(EntityTypeBuilder<UserProfile> builder)
    {
        builder.ToTable("user_profiles");
        builder.HasKey(p => p.UserId);
        builder.Property(p => p.FullName).HasMaxLength(200);
        builder.Property(p => p.FirstName).HasMaxLength(100);
        builder.Property(p => p.LastName).HasMaxLength(100);
        builder.Property(p => p.Bio).HasMaxLength(1000);
        builder.Property(p => p.AvatarUrl).HasMaxLength(2048);
        builder.Property(p => p.Timezone).HasMaxLength(64);
        builder.Property(p => p.Locale).HasMaxLength(35);
        builder.Property(p => p.PhoneNumberProtected).HasMaxLength(1024);
        builder.Property(p => p.Version).IsConcurrencyToken();
        builder.Ignore(p => p.DisplayName);
        builder.HasOne(p => p.User).WithOne().HasForeignKey<UserProfile>(p => p.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
