using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Warden.Server.Authentication.External;

/// <summary>
/// An upstream identity provider people may sign in with (<c>identity_providers</c>), configured by administrators.
/// Its client secret is stored encrypted (<c>SecretProtector</c>, <c>SecretKind.IdentityProviderSecret</c>) and never
/// shown back. A linked identity is an ASP.NET Identity user login whose <c>LoginProvider</c> is this row's
/// <see cref="Id"/> (never the slug): a provider deleted and another created under the same slug cannot inherit the
/// first one's links, whose subjects belong to another issuer.
/// </summary>
public sealed class IdentityProvider
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>The name in addresses (<c>/account/login/external/{slug}</c>): lower-case letters, digits and '-'.</summary>
    public required string Slug { get; set; }
    public required string DisplayName { get; set; }
    public required string Kind { get; set; }

    /// <summary>The discovery document's address (<c>…/.well-known/openid-configuration</c>), for <see cref="IdentityProviderKinds.Oidc"/> only.</summary>
    public string? DiscoveryUrl { get; set; }
    public required string ClientId { get; set; }
    public required string ProtectedClientSecret { get; set; }

    /// <summary>Scopes asked for, separated by spaces (besides <c>openid</c>, which OpenIddict always asks for).</summary>
    public required string Scopes { get; set; }
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Whether the provider's <c>email_verified</c> is believed: only then does an account a first sign-in creates start
    /// with a verified address. Never a reason to link an existing account: that always takes the account's own proof.
    /// </summary>
    public bool TrustEmailVerification { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public IReadOnlyList<string> ScopeList => Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

public static class IdentityProviderKinds
{
    public const string Oidc = "oidc";
    public const string Google = "google";
    public const string GitHub = "github";
    public const string Microsoft = "microsoft";

    public static readonly IReadOnlyList<string> All = [Oidc, Google, GitHub, Microsoft];
}

internal sealed class IdentityProviderConfiguration : IEntityTypeConfiguration<IdentityProvider>
{
    public void Configure(EntityTypeBuilder<IdentityProvider> builder)
    {
        builder.ToTable("identity_providers");
        builder.Property(p => p.Slug).HasMaxLength(40);
        builder.HasIndex(p => p.Slug).IsUnique();
        builder.Property(p => p.DisplayName).HasMaxLength(100);
        builder.Property(p => p.Kind).HasMaxLength(20);
        builder.Property(p => p.DiscoveryUrl).HasMaxLength(2000);
        builder.Property(p => p.ClientId).HasMaxLength(500);
        builder.Property(p => p.ProtectedClientSecret).HasMaxLength(4000);
        builder.Property(p => p.Scopes).HasMaxLength(1000);
        builder.Ignore(p => p.ScopeList);
    }
}
