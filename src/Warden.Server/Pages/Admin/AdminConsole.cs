using Warden.Server.Infrastructure.Http;
using Warden.Server.Pages.Layout;

namespace Warden.Server.Pages.Admin;

/// <summary>
/// The admin console under <c>/admin</c> (docs/console.md): Razor components rendered on the server like the account
/// pages, on the admin API's own use cases. Every page enters through <see cref="AdminArea.EnterAsync"/> with its
/// section's permission; forms post a <c>[FromForm]</c> model (antiforgery checked) and redirect back with a message.
/// Each section maps its own routes: one line here per section.
/// </summary>
public static class AdminConsole
{
    public static RouteGroupBuilder MapAdminConsole(this RouteGroupBuilder admin)
    {
        admin.ExcludeFromDescription().AllowAnonymous();
        DashboardPages.Map(admin);
        UserListPages.Map(admin);
        UserCreatePages.Map(admin);
        UserPages.Map(admin);
        RolePages.Map(admin);
        AccessRulePages.Map(admin);
        AuditPages.Map(admin);
        WebhookPages.Map(admin);
        EventPages.Map(admin);
        IpRulePages.Map(admin);
        // Sections of the layers above (Oidc's clients) bring their own routes.
        foreach (var section in ((IEndpointRouteBuilder)admin).ServiceProvider.GetServices<AdminSection>())
        {
            section.Map?.Invoke(admin);
        }

        admin.MapFallback("{**path}", () => PageResults.NotFound());
        return admin;
    }

    /// <summary>A console form's post: closed to a client blocked by the IP rules, as the account pages' posts are.</summary>
    public static RouteHandlerBuilder Post(RouteGroupBuilder admin, string pattern, Delegate handler) =>
        admin.MapPost(pattern, handler).ClosedToBlockedClients();
}
