using Warden.Server.Administration;
using Warden.Server.Analytics;
using Warden.Server.Audit;
using Warden.Server.Authentication;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Check;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Observability;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Oidc;
using Warden.Server.Oidc.External;
using Warden.Server.Pages;
using Warden.Server.Pages.Admin;
using Warden.Server.Passwords;
using Warden.Server.Privacy;
using Warden.Server.Profiles;
using Warden.Server.Webhooks;

namespace Warden.Server;

/// <summary>
/// The one route table: each prefix is mounted once, here, and each module maps its own endpoints on the
/// group it is given (the handlers stay beside their module). Read top to bottom, this is the API map.
/// </summary>
public static class WardenRoutes
{
    public static WebApplication MapWardenRoutes(this WebApplication app)
    {
        app.MapOpenApi("/openapi/v1.json").AllowAnonymous().OnlyFromAllowedNetworks();
        app.MapGroup("/health").MapHealthEndpoints();
        app.MapMetricsEndpoint();
        app.MapGroup("/.well-known").MapDiscoveryEndpoints();
        app.MapGroup("/avatars").MapAvatarDownloads();

        var api = app.MapGroup("/api/v1");

        var auth = api.MapGroup("/auth").AllowAnonymous().RequireRateLimiting(RateLimitSetup.AuthPolicy);
        auth.MapAuthenticationEndpoints();
        auth.MapPasswordPolicy();

        var users = api.MapGroup("/users").RequireAuthorization();
        users.MapAccountEndpoints();
        users.MapProfileEndpoints();
        users.MapPrivacyEndpoints();

        api.MapGroup("/roles").MapRoleEndpoints();
        api.MapGroup("/permissions").MapPermissionEndpoints();
        api.MapGroup("/authz").MapAuthzCheckEndpoints();

        var admin = api.MapGroup("/admin");
        admin.MapGroup("/users").MapAdministrationEndpoints();
        admin.MapGroup("/audit").MapAuditEndpoints();
        admin.MapGroup("/stats").MapStatsEndpoints();
        admin.MapGroup("/webhooks").MapWebhookEndpoints();
        admin.MapGroup("/ip-rules").MapIpRuleEndpoints();
        admin.MapGroup("/clients").MapClientEndpoints();
        admin.MapGroup("/scopes").MapApiScopeEndpoints();
        admin.MapGroup("/identity-providers").MapIdentityProviderEndpoints();

        // The account pages a person uses in a browser (docs/pages.md); never under /api/v1.
        app.MapGroup("/account").MapAccountPages();

        // The admin console in the browser (docs/console.md), on the admin API's use cases.
        app.MapGroup("/admin").MapAdminConsole();

        // The OpenID Connect provider's endpoints (/connect/...; discovery is OpenIddict's, the JWKS Warden's above).
        app.MapOidcEndpoints();
        app.MapExternalSignIn();
        return app;
    }
}
