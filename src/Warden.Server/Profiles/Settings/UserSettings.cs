using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Warden.Server.Users;

namespace Warden.Server.Profiles.Settings;

/// <summary>
/// Warden's own settings of a user (not the application's preferences, which live in the profile). A user
/// without a row has the defaults: a row is written on the first change only.
/// </summary>
public sealed class UserSettings
{
    public Guid UserId { get; set; }

    /// <summary>Account notices (welcome, email change completed, ...).</summary>
    public bool NotifyAccount { get; set; } = true;

    /// <summary>Opt-in: marketing needs consent.</summary>
    public bool NotifyMarketing { get; set; }

    /// <summary>Opt-in, like marketing.</summary>
    public bool NotifyProductUpdates { get; set; }

    public string Theme { get; set; } = Themes.System;

    public DateTimeOffset? UpdatedAt { get; set; }

    public User? User { get; set; }
}

public static class Themes
{
    public const string System = "system";
    public const string Light = "light";
    public const string Dark = "dark";

    public static readonly IReadOnlyList<string> All = [System, Light, Dark];
}

internal sealed class UserSettingsConfiguration : IEntityTypeConfiguration<UserSettings>
{
    public void Configure(EntityTypeBuilder<UserSettings> builder)
    {
        builder.ToTable("user_settings");
        builder.HasKey(s => s.UserId);
        builder.Property(s => s.Theme).HasMaxLength(16);
        builder.HasOne(s => s.User).WithOne().HasForeignKey<UserSettings>(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
