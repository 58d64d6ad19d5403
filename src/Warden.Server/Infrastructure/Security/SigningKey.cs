using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Warden.Server.Infrastructure.Security;

/// <summary>
/// A key pair that signs access tokens. Its life: published from <see cref="CreatedAt"/> (so every node knows it
/// before it signs anything), signs from <see cref="ActivatesAt"/> to <see cref="RetiresAt"/>, and stays published
/// until <see cref="ExpiresAt"/>, after the last token it signed has expired.
/// </summary>
public sealed class SigningKey
{
    /// <summary>The <c>kid</c>: the key's RFC 7638 JWK thumbprint.</summary>
    public required string Id { get; set; }

    public required string Algorithm { get; set; }

    /// <summary>SubjectPublicKeyInfo, base64.</summary>
    public required string PublicKey { get; set; }

    /// <summary>PKCS#8, base64, protected by Data Protection (never stored in the clear).</summary>
    public required string ProtectedPrivateKey { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ActivatesAt { get; set; }
    public DateTimeOffset RetiresAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}

internal sealed class SigningKeyConfiguration : IEntityTypeConfiguration<SigningKey>
{
    public void Configure(EntityTypeBuilder<SigningKey> builder)
    {
        builder.ToTable("signing_keys");
        builder.Property(k => k.Id).HasMaxLength(64);
        builder.Property(k => k.Algorithm).HasMaxLength(16);
        builder.Property(k => k.PublicKey).HasMaxLength(1024);
        builder.Property(k => k.ProtectedPrivateKey).HasMaxLength(8192);
        builder.HasIndex(k => k.ExpiresAt);
    }
}
