using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Warden.Server.Users;

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> builder)
    {
        builder.ToTable("users");
        builder.Property(u => u.Status)
            .HasConversion(s => s.ToWire(), s => UserStatusNames.Parse(s))
            .HasMaxLength(32);
        builder.HasIndex(u => u.Status);
        // The administrators' list pages by keyset on (key, id) in either direction (Administration/UserListOrder.cs).
        builder.HasIndex(u => new { u.CreatedAt, u.Id });
        builder.HasIndex(u => new { u.LastLoginAt, u.Id });

        // Identity's default index on the normalized email is not unique; Warden requires one account per
        // address (case-insensitively, because the column holds the normalized form).
        builder.HasIndex(u => u.NormalizedEmail).IsUnique();
    }
}
