using Microsoft.AspNetCore.Identity;
using Warden.Server.Authorization;
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
