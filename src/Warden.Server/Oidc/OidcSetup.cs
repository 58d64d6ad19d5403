using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Pages;
using Warden.Server.Infrastructure.Security;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Server.Oidc;

/// <summary>The OpenID Connect provider (issue 20): OpenIddict's server on Warden's keys, issuer, database and sessions.</summary>
public static class OidcSetup
{
    public const string AuthorizePath = "/connect/authorize";
    public const string TokenPath = "/connect/token";
    public const string UserInfoPath = "/connect/userinfo";
    public const string EndSessionPath = "/connect/logout";
    public const string IntrospectionPath = "/connect/introspect";
    public const string RevocationPath = "/connect/revoke";

    /// <summary>The API scope whose tokens Warden's own API accepts (audience: Warden:Tokens:Audience).</summary>
    public const string WardenApiScope = "warden";

    public static IServiceCollection AddWardenOidc(this IServiceCollection services)
    {
        Pages.Admin.AdminSections.AddAdminSection(services, ClientConsolePages.Section);
        services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore()
                .UseDbContext<WardenDbContext>()
                .ReplaceDefaultEntities<OidcApplication, OidcAuthorization, OidcScope, OidcToken, Guid>())
            .AddServer(server =>
            {
                server.SetAuthorizationEndpointUris(AuthorizePath.TrimStart('/'))
                    .SetTokenEndpointUris(TokenPath.TrimStart('/'))
                    .SetUserInfoEndpointUris(UserInfoPath.TrimStart('/'))
                    .SetEndSessionEndpointUris(EndSessionPath.TrimStart('/'))
                    .SetIntrospectionEndpointUris(IntrospectionPath.TrimStart('/'))
                    .SetRevocationEndpointUris(RevocationPath.TrimStart('/'));

                server.AllowAuthorizationCodeFlow().AllowRefreshTokenFlow().AllowClientCredentialsFlow();
                server.RequireProofKeyForCodeExchange();
                // A spent refresh token presented again revokes the whole grant at once.
                server.SetRefreshTokenReuseLeeway(TimeSpan.Zero);
                server.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.Phone, Scopes.Roles, Scopes.OfflineAccess, WardenApiScope);
                server.RegisterClaims(Claims.Subject, "sid", Claims.AuthenticationTime, "amr", "acr", Claims.Email, Claims.EmailVerified,
                    Claims.Name, Claims.PreferredUsername, Claims.Role);

                // Codes and refresh tokens under Warden's Data Protection ring; access tokens stay signed JWTs.
                server.UseDataProtection().PreferDefaultAccessTokenFormat();
                server.DisableAccessTokenEncryption();

                server.AddEventHandler(SignWithCurrentKey.Descriptor);
                server.AddEventHandler(PublishWardenEndpoints.Descriptor);

                server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough();
            });

        services.AddSingleton<OidcServerOptionsSetup>();
        services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>>(sp => sp.GetRequiredService<OidcServerOptionsSetup>());
        services.AddSingleton<IOptionsChangeTokenSource<OpenIddictServerOptions>>(sp => sp.GetRequiredService<OidcServerOptionsSetup>());
        services.Configure<OpenIddictServerOptions>(options =>
        {
            // PKCE S256 only: "plain" is neither advertised nor accepted.
            options.CodeChallengeMethods.Clear();
            options.CodeChallengeMethods.Add(CodeChallengeMethods.Sha256);
        });
        services.AddOptions<OpenIddictServerAspNetCoreOptions>().Configure<AccessTokenService>((options, tokens) =>
            // Plain http only where Warden's own issuer is http (development and tests); https everywhere else.
            options.DisableTransportSecurityRequirement = tokens.Issuer.StartsWith("http://", StringComparison.OrdinalIgnoreCase));

        services.AddScoped<ISessionGrants, OidcSessionGrants>();
        services.AddScoped<IReturnRedirects, AuthorizeRedirects>();
        services.AddScoped<OidcPrincipals>();
        services.AddDatabaseSeeder<OidcScopesSeeder>();
        return services;
    }

    public static IEndpointRouteBuilder MapOidcEndpoints(this IEndpointRouteBuilder app)
    {
        var connect = app.MapGroup("").AllowAnonymous().ExcludeFromDescription();
        connect.MapMethods(AuthorizePath, ["GET", "POST"], Authorize.HandleAsync);
        connect.MapPost(TokenPath, TokenExchange.HandleAsync);
        connect.MapMethods(UserInfoPath, ["GET", "POST"], UserInfo.HandleAsync);
        connect.MapMethods(EndSessionPath, ["GET", "POST"], EndSession.HandleAsync);
        return app;
    }
}

/// <summary>The API scope of Warden's own API, whose audience is Warden's (created on every start if missing).</summary>
internal sealed class OidcScopesSeeder : IDatabaseSeeder
{
    public async Task SeedAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var scopes = services.GetRequiredService<IOpenIddictScopeManager>();
        var audience = services.GetRequiredService<IOptions<AccessTokenOptions>>().Value.Audience;
        if (await scopes.FindByNameAsync(OidcSetup.WardenApiScope, cancellationToken) is null)
        {
            await scopes.CreateAsync(new OpenIddictScopeDescriptor
            {
                Name = OidcSetup.WardenApiScope,
                DisplayName = "Warden's API",
                Resources = { audience },
            }, cancellationToken);
        }
    }
}
