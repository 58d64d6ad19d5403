using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using Warden.Server.Authentication;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authorization.Check;
using Warden.Server.Infrastructure.Http;
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
    public const string DeviceAuthorizationPath = "/connect/device";

    /// <summary>The API scope whose tokens Warden's own API accepts (audience: Warden:Tokens:Audience).</summary>
    public const string WardenApiScope = "warden";

    public static IServiceCollection AddWardenOidc(this IServiceCollection services)
    {
        Pages.Admin.AdminSections.AddAdminSection(services, ClientConsolePages.Section);
        Pages.Admin.AdminSections.AddAdminSection(services, ApiScopeConsolePages.Section);
        Pages.Admin.AdminSections.AddAdminSection(services, External.IdentityProviderConsolePages.Section);
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
                    .SetRevocationEndpointUris(RevocationPath.TrimStart('/'))
                    .SetDeviceAuthorizationEndpointUris(DeviceAuthorizationPath.TrimStart('/'))
                    // RFC 8628's verification_uri is the account page the person types the code into.
                    .SetEndUserVerificationEndpointUris(DevicePages.Path.TrimStart('/'));

                server.AllowAuthorizationCodeFlow().AllowRefreshTokenFlow().AllowClientCredentialsFlow().AllowDeviceAuthorizationFlow();
                server.RequireProofKeyForCodeExchange();
                // A spent refresh token presented again revokes the whole grant at once.
                server.SetRefreshTokenReuseLeeway(TimeSpan.Zero);
                server.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.Phone, Scopes.Roles, Scopes.OfflineAccess, WardenApiScope, CheckCallers.Scope);
                server.RegisterClaims(Claims.Subject, "sid", Claims.AuthenticationTime, "amr", "acr", Claims.Email, Claims.EmailVerified,
                    Claims.Name, Claims.PreferredUsername, Claims.Role, OidcPrincipals.PermissionsClaim);

                // Codes and refresh tokens under Warden's Data Protection ring; access tokens stay signed JWTs.
                server.UseDataProtection().PreferDefaultAccessTokenFormat();
                server.DisableAccessTokenEncryption();

                server.AddEventHandler(SignWithCurrentKey.Descriptor);
                server.AddEventHandler(PublishWardenEndpoints.Descriptor);

                server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableEndUserVerificationEndpointPassthrough();
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
        // Token entries' validity cached like sessions (the bearer handler's grant check, the check endpoint's callers).
        services.AddTokenEntryCache(sp => sp.GetRequiredService<IOptions<AuthenticationOptions>>().Value.SessionCacheDuration);
        services.AddScoped<IReturnRedirects, AuthorizeRedirects>();
        services.AddScoped<OidcPrincipals>();
        services.AddDatabaseSeeder<OidcScopesSeeder>();
        services.AddPersonalData<OidcPersonalData>();
        return services;
    }

    private static RouteHandlerBuilder PagePost(RouteGroupBuilder pages, string pattern, Delegate handler) =>
        pages.MapPost(pattern, handler).RequireRateLimiting(RateLimitSetup.AuthPolicy).ClosedToBlockedClients();

    public static IEndpointRouteBuilder MapOidcEndpoints(this IEndpointRouteBuilder app)
    {
        var connect = app.MapGroup("").AllowAnonymous().ExcludeFromDescription();
        connect.MapMethods(AuthorizePath, ["GET", "POST"], Authorize.HandleAsync);
        connect.MapPost(TokenPath, TokenExchange.HandleAsync);
        connect.MapMethods(UserInfoPath, ["GET", "POST"], UserInfo.HandleAsync);
        connect.MapMethods(EndSessionPath, ["GET", "POST"], EndSession.HandleAsync);

        // The provider's account pages (docs/pages.md), beside the Pages module's under /account: its headers,
        // language and error pages apply by path; the posts share the sign-in's rate limit, as the other pages' do.
        var pages = app.MapGroup("").AllowAnonymous().ExcludeFromDescription();
        pages.MapGet(ConsentPages.Path, ConsentPages.ShowAsync);
        PagePost(pages, ConsentPages.Path, ConsentPages.DecideAsync);
        pages.MapGet(ConnectedAppsPages.Path, ConnectedAppsPages.ShowAsync);
        PagePost(pages, ConnectedAppsPages.Path + "/revoke", ConnectedAppsPages.RevokeAsync);
        pages.MapGet(DevicePages.Path, DevicePages.ShowAsync);
        PagePost(pages, DevicePages.Path, DevicePages.PostAsync);
        return app;
    }
}

/// <summary>
/// The API scopes whose audience is Warden's own (created on every start if missing): <c>warden</c> for its API, and
/// <c>authz:check</c> for services asking the access-check endpoint (only clients granted it may request it).
/// </summary>
internal sealed class OidcScopesSeeder : IDatabaseSeeder
{
    public async Task SeedAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var existing = await SeedCheck.ValuesAsync<OidcScope>(services.GetRequiredService<WardenDbContext>(), nameof(OidcScope.Name), cancellationToken);
        if (existing.Contains(OidcSetup.WardenApiScope) && existing.Contains(CheckCallers.Scope))
        {
            // Every start after the first: both exist, and OpenIddict's scope store is not touched.
            return;
        }

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

        if (await scopes.FindByNameAsync(CheckCallers.Scope, cancellationToken) is null)
        {
            await scopes.CreateAsync(new OpenIddictScopeDescriptor
            {
                Name = CheckCallers.Scope,
                DisplayName = "Access checks (POST /api/v1/authz/check)",
                Resources = { audience },
            }, cancellationToken);
        }
    }
}
