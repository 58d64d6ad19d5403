using Warden.Server.Authorization;

namespace Warden.Server.Pages.Admin;

/// <summary>
/// One section of the console: where it lives, its name in the navigation (a key of Strings.resx) and the permission
/// the matching admin API route requires (<see cref="PermissionNames"/>). The page checks that same permission through
/// <see cref="AdminArea.EnterAsync"/>; the navigation shows a section only to whom holds it. <see cref="Map"/>, when
/// set, maps the section's routes into the console's group: how a layer above Pages (Oidc) adds a section of its own.
/// </summary>
public sealed record AdminSection(string Path, string Label, string Permission)
{
    public Action<RouteGroupBuilder>? Map { get; init; }
}

/// <summary>
/// The sections of this layer, in the navigation's order. The navigation is every <see cref="AdminSection"/> registered
/// in DI, in registration order (<see cref="AddAdminSection"/>): Pages registers these, a layer above adds its own.
/// </summary>
public static class AdminSections
{
    public static readonly AdminSection Dashboard = new(AdminArea.Home, "Admin.Nav.Dashboard", PermissionNames.AdminUsers);
    public static readonly AdminSection Users = new(AdminArea.Home + "/users", "Admin.Nav.Users", PermissionNames.AdminUsers);
    public static readonly AdminSection Roles = new(AdminArea.Home + "/roles", "Admin.Nav.Roles", PermissionNames.AdminUsers);
    public static readonly AdminSection AccessRules = new(AdminArea.Home + "/access", "Admin.Nav.Access", PermissionNames.AdminSystem);
    public static readonly AdminSection Audit = new(AdminArea.Home + "/audit", "Admin.Nav.Audit", PermissionNames.AdminUsers);
    public static readonly AdminSection Webhooks = new(AdminArea.Home + "/webhooks", "Admin.Nav.Webhooks", PermissionNames.AdminSystem);
    public static readonly AdminSection Events = new(AdminArea.Home + "/events", "Admin.Nav.Events", PermissionNames.AdminSystem);
    public static readonly AdminSection IpRules = new(AdminArea.Home + "/ip-rules", "Admin.Nav.IpRules", PermissionNames.AdminSystem);

    public static readonly IReadOnlyList<AdminSection> OfPages = [Dashboard, Users, Roles, AccessRules, Audit, Webhooks, Events, IpRules];

    public static IServiceCollection AddAdminSection(this IServiceCollection services, AdminSection section) => services.AddSingleton(section);
}
