using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Warden.Server.Authentication.Passkeys;

/// <summary>
/// One WebAuthn ceremony in progress, kept in the database rather than in a cookie: the options sent to the
/// browser are answered by a credential that names this row through the challenge it signed (only its SHA-256 is
/// the key). The row is spent by the first answer, good or bad, and dies at <see cref="ExpiresAt"/>; the cleanup
/// job deletes it after that. Any node behind the load balancer can finish a ceremony another node started.
/// </summary>
public sealed class PasskeyChallenge
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public PasskeyCeremony Ceremony { get; set; }

    /// <summary>SHA-256 of the random challenge in the options: what the answer is matched by.</summary>
    public required byte[] ChallengeHash { get; set; }

    /// <summary>The user the ceremony is for: registration, second factor and re-authentication; null for a sign-in by passkey alone.</summary>
    public Guid? UserId { get; set; }

    /// <summary>The session it belongs to: the signed-in one (registration, re-authentication) or the pending one (second factor).</summary>
    public Guid? SessionId { get; set; }

    /// <summary>Identity's own ceremony state (<c>PasskeyAttestationState</c> / <c>PasskeyAssertionState</c> JSON).</summary>
    public required string State { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? ConsumedAt { get; set; }
}

public enum PasskeyCeremony
{
    Registration,
    SignIn,
    SecondFactor,
    Reauthentication,
}

internal sealed class PasskeyChallengeConfiguration : IEntityTypeConfiguration<PasskeyChallenge>
{
    public void Configure(EntityTypeBuilder<PasskeyChallenge> builder)
    {
        builder.ToTable("passkey_challenges");
        builder.Property(c => c.Ceremony).HasConversion<string>().HasMaxLength(32);
        builder.Property(c => c.ChallengeHash).HasMaxLength(32);
        builder.Property(c => c.State).HasMaxLength(4000);
        builder.HasIndex(c => c.ChallengeHash).IsUnique();
        builder.HasIndex(c => c.ExpiresAt);
    }
}
