using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Warden.Server.Users;

namespace Warden.Server.Profiles.Avatars;

/// <summary>
/// An uploaded avatar, in the database like every other user datum, so that every node serves it (table
/// <c>avatars</c>). The key is content-addressed (<see cref="AvatarKeys"/>): a row never changes once written.
/// </summary>
public sealed class AvatarImage
{
    public required string Key { get; set; }

    public Guid UserId { get; set; }

    public required byte[] Content { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class AvatarImageConfiguration : IEntityTypeConfiguration<AvatarImage>
{
    public void Configure(EntityTypeBuilder<AvatarImage> builder)
    {
        builder.ToTable("avatars");
        builder.HasKey(a => a.Key);
        builder.Property(a => a.Key).HasMaxLength(80);
        builder.HasIndex(a => a.UserId);
        builder.HasOne<User>().WithMany().HasForeignKey(a => a.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
