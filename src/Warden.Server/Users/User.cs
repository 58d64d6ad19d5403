using Microsoft.AspNetCore.Identity;

namespace Warden.Server.Users;

/// <summary>A person's account. Identity supplies the credential columns; Warden adds lifecycle and activity.</summary>
public sealed class User : IdentityUser<Guid>
{
    public User()
    {
        // UUIDv7 keys sort by creation time, which keeps B-tree inserts local on PostgreSQL.
        Id = Guid.CreateVersion7();
        SecurityStamp = Guid.NewGuid().ToString("N");
    }

    public UserStatus Status { get; set; } = UserStatus.PendingVerification;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? EmailVerifiedAt { get; set; }
    public DateTimeOffset? LastLoginAt { get; set; }
    public int LoginCount { get; set; }

    /// <summary>
    /// When the user was last seen: a sign-in or token refresh, an authenticated request (written at most once a
    /// minute per session) or a sign-out.
    /// </summary>
    public DateTimeOffset? LastActiveAt { get; set; }
    public DateTimeOffset? PasswordChangedAt { get; set; }
    public DateTimeOffset? DeletedAt { get; set; }
}
