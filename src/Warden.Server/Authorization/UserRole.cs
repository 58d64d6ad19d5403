using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Warden.Server.Users;

namespace Warden.Server.Authorization;

/// <summary>Membership of a user in a role, with who granted it and when (the source documents' user_roles).</summary>
public sealed class UserRole : IdentityUserRole<Guid>
{
    public DateTimeOffset AssignedAt { get; set; }
    public Guid? AssignedBy { get; set; }

    public User? User { get; set; }
    public Role? Role { get; set; }
}

internal sealed class UserRoleConfiguration : IEntityTypeConfiguration<UserRole>
{
    public void Configure(EntityTypeBuilder<UserRole> builder)
    {
        builder.ToTable("user_roles");
        builder.HasOne(ur => ur.Role).WithMany().HasForeignKey(ur => ur.RoleId).IsRequired();
        builder.HasOne(ur => ur.User).WithMany().HasForeignKey(ur => ur.UserId).IsRequired();
    }
}
