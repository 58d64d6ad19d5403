using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Warden.Server.Users;

namespace Warden.Server.Passwords;

/// <summary>
/// A password a user had before the current one, kept as the hash it was stored with (never the password),
/// so a new password can be checked against it and refused if reused.
/// </summary>
public sealed class PasswordHistoryEntry
{
    /// <summary>
    /// A sequence rather than a UUID: "the most recent N" must order strictly even when two changes share a
    /// timestamp, and SQLite cannot order by DateTimeOffset. The row never leaves the server.
    /// </summary>
    public long Id { get; set; }

    public Guid UserId { get; set; }
    public required string PasswordHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class PasswordHistoryEntryConfiguration : IEntityTypeConfiguration<PasswordHistoryEntry>
{
    public void Configure(EntityTypeBuilder<PasswordHistoryEntry> builder)
    {
        builder.ToTable("password_history");
        builder.Property(h => h.Id).ValueGeneratedOnAdd();
        builder.Property(h => h.PasswordHash).HasMaxLength(1024);
        // Serves the one query there is: a user's newest entries.
        builder.HasIndex(h => new { h.UserId, h.Id });
        builder.HasOne<User>().WithMany().HasForeignKey(h => h.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
