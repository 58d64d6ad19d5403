using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Warden.Server.Authentication.Sessions;

namespace Warden.Server.Authentication.Login;

/// <summary>
/// The state between a correct password and a finished sign-in: a second factor is due, or the password
/// has expired. The client holds only the random challenge token; the pending session holds everything else.
/// </summary>
public sealed class LoginChallenge
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }
    public Guid SessionId { get; set; }
    public LoginChallengeKind Kind { get; set; }
    public required byte[] TokenHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? ConsumedAt { get; set; }

    /// <summary>
    /// Codes presented against this challenge, each counted before it is checked (so parallel guesses cannot get
    /// more checked than the limit); at <see cref="AuthenticationOptions.MaxChallengeAttempts"/> it is dead. A right
    /// code spends the challenge, so in effect only wrong codes ever count here.
    /// </summary>
    public int FailedAttempts { get; set; }

    public UserSession? Session { get; set; }
}

public enum LoginChallengeKind
{
    SecondFactor,
    PasswordChange,
}

internal sealed class LoginChallengeConfiguration : IEntityTypeConfiguration<LoginChallenge>
{
    public void Configure(EntityTypeBuilder<LoginChallenge> builder)
    {
        builder.ToTable("login_challenges");
        builder.Property(c => c.Kind).HasConversion<string>().HasMaxLength(32);
        builder.Property(c => c.TokenHash).HasMaxLength(32);
        builder.HasIndex(c => c.TokenHash).IsUnique();
        builder.HasIndex(c => c.ExpiresAt);
        builder.HasOne(c => c.Session).WithMany().HasForeignKey(c => c.SessionId).OnDelete(DeleteBehavior.Cascade);
    }
}
