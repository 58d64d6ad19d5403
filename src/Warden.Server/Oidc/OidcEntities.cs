using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpenIddict.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace Warden.Server.Oidc;

// OpenIddict's stores, inside WardenDbContext as oidc_* tables (snake_case columns like every other table).

/// <summary>A registered client application (its secret is stored hashed by OpenIddict).</summary>
public sealed class OidcApplication : OpenIddictEntityFrameworkCoreApplication<Guid, OidcAuthorization, OidcToken>;

/// <summary>
/// A grant to a client. <see cref="SessionId"/> is the Warden session it was given from: the grant ends with that
/// session (<see cref="OidcSessionGrants"/>), except an <c>offline_access</c> grant at a sign-out.
/// </summary>
public sealed class OidcAuthorization : OpenIddictEntityFrameworkCoreAuthorization<Guid, OidcApplication, OidcToken>
{
    public Guid? SessionId { get; set; }
}

public sealed class OidcScope : OpenIddictEntityFrameworkCoreScope<Guid>;

public sealed class OidcToken : OpenIddictEntityFrameworkCoreToken<Guid, OidcApplication, OidcAuthorization>;

internal sealed class OidcApplicationConfiguration : IEntityTypeConfiguration<OidcApplication>
{
    public void Configure(EntityTypeBuilder<OidcApplication> builder)
    {
        new OpenIddictEntityFrameworkCoreApplicationConfiguration<OidcApplication, OidcAuthorization, OidcToken, Guid>().Configure(builder);
        builder.ToTable("oidc_applications");
    }
}

internal sealed class OidcAuthorizationConfiguration : IEntityTypeConfiguration<OidcAuthorization>
{
    public void Configure(EntityTypeBuilder<OidcAuthorization> builder)
    {
        new OpenIddictEntityFrameworkCoreAuthorizationConfiguration<OidcAuthorization, OidcApplication, OidcToken, Guid>().Configure(builder);
        builder.ToTable("oidc_authorizations");
        builder.HasIndex(a => a.SessionId);
    }
}

internal sealed class OidcScopeConfiguration : IEntityTypeConfiguration<OidcScope>
{
    public void Configure(EntityTypeBuilder<OidcScope> builder)
    {
        new OpenIddictEntityFrameworkCoreScopeConfiguration<OidcScope, Guid>().Configure(builder);
        builder.ToTable("oidc_scopes");
    }
}

internal sealed class OidcTokenConfiguration : IEntityTypeConfiguration<OidcToken>
{
    public void Configure(EntityTypeBuilder<OidcToken> builder)
    {
        new OpenIddictEntityFrameworkCoreTokenConfiguration<OidcToken, OidcApplication, OidcAuthorization, Guid>().Configure(builder);
        builder.ToTable("oidc_tokens");
    }
}
