using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Sessions;

/// <summary>
/// One sign-in: an API client, a browser or an OpenID Connect client. Access tokens carry its id (<c>sid</c>)
/// and stop working the moment it is revoked.
/// </summary>
public sealed class UserSession
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }
    public SessionState State { get; set; } = SessionState.Active;

    /// <summary><c>api</c>, <c>browser</c>, or an OpenID Connect client id.</summary>
    public string Client { get; set; } = SessionClients.Api;
    public string? IpAddress { get; set; }
    public string? UserAgent { get; set; }

    /// <summary>Authentication methods (RFC 8176) separated by spaces, e.g. <c>pwd</c> or <c>pwd otp mfa</c>.</summary>
    public string Amr { get; set; } = "pwd";

    /// <summary>The identity provider (<c>IdentityProvider.Slug</c>) an external sign-in came through; null for every other sign-in.</summary>
    public string? ExternalProvider { get; set; }
    public bool RememberMe { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? AuthenticatedAt { get; set; }

    /// <summary>When the user last re-authenticated on this session (step-up for sensitive changes).</summary>
    public DateTimeOffset? ReauthenticatedAt { get; set; }
    public DateTimeOffset LastUsedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public string? RevokedReason { get; set; }

    /// <summary>
    /// SHA-256 of the browser session cookie (<see cref="SessionClients.Browser"/> sessions only; null for the others).
    /// Replaced whenever the cookie is reissued, so an older cookie of the same session stops working.
    /// </summary>
    public byte[]? CookieHash { get; set; }

    public User? User { get; set; }

    public bool IsActiveAt(DateTimeOffset now) => State == SessionState.Active && RevokedAt is null && ExpiresAt > now;

    public string[] AmrValues => Amr.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

public enum SessionState
{
    Active,

    /// <summary>The password was right; the session is useless until the second factor is verified.</summary>
    PendingSecondFactor,

    /// <summary>The password was right but has expired; the session is useless until a new one is set.</summary>
    PendingPasswordChange,
}

public static class SessionClients
{
    public const string Api = "api";
    public const string Browser = "browser";
}

public static class RevocationReasons
{
    public const string Logout = "logout";
    public const string UserRevoked = "user_revoked";
    public const string RefreshTokenReuse = "refresh_token_reuse";
    public const string PasswordChanged = "password_changed";
    public const string PasswordReset = "password_reset";
    public const string Suspended = "suspended";
    public const string Deleted = "deleted";
    public const string AdminRevoked = "admin_revoked";
}

internal sealed class UserSessionConfiguration : IEntityTypeConfiguration<UserSession>
{
    public void Configure(EntityTypeBuilder<UserSession> builder)
    {
        builder.ToTable("user_sessions");
        builder.Property(s => s.State).HasConversion<string>().HasMaxLength(32);
        builder.Property(s => s.Client).HasMaxLength(200);
        builder.Property(s => s.IpAddress).HasMaxLength(64);
        builder.Property(s => s.UserAgent).HasMaxLength(512);
        builder.Property(s => s.Amr).HasMaxLength(100);
        builder.Property(s => s.ExternalProvider).HasMaxLength(40);
        builder.Property(s => s.RevokedReason).HasMaxLength(64);
        builder.Ignore(s => s.AmrValues);
        builder.Property(s => s.CookieHash).HasMaxLength(32);
        builder.HasIndex(s => s.CookieHash).IsUnique();
        builder.HasIndex(s => new { s.UserId, s.RevokedAt });
        builder.HasIndex(s => s.ExpiresAt);
        builder.HasOne(s => s.User).WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
