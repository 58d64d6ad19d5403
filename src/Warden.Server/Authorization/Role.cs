using Microsoft.AspNetCore.Identity;

namespace Warden.Server.Authorization;

public sealed class Role : IdentityRole<Guid>
{
    public Role()
    {
        Id = Guid.CreateVersion7();
    }

    public Role(string name) : this()
    {
        Name = name;
    }

    public string? Description { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public ICollection<RolePermission> Permissions { get; } = [];
}
