using Warden.Server.Authorization;

namespace Warden.Server.Pages.Admin;

/// <summary>
/// One section of the console: where it lives, its name in the navigation (a key of Strings.resx) and the permission
/// the matching admin API route requires (<see cref="PermissionNames"/>). The page checks that same permission through
/// <see cref="AdminArea.EnterAsync"/>; the navigation shows a section only to whom holds it.
/// </summary>
public sealed record AdminSection(string Path, string Label, string Permission);

/// <summary>The console's navigation, in the order it is shown. A new section is one line here and its routes in <see cref="AdminConsole"/>.</summary>
public static class AdminSections
{
    public static readonly AdminSection Dashboard = new(AdminArea.Home, "Admin.Nav.Dashboard", PermissionNames.AdminUsers);
    public static readonly AdminSection Users = new(AdminArea.Home + "/users", "Admin.Nav.Users", PermissionNames.AdminUsers);
    public static readonly AdminSection Roles = new(AdminArea.Home + "/roles", "Admin.Nav.Roles", PermissionNames.AdminUsers);
    public static readonly AdminSection AccessRules = new(AdminArea.Home + "/access", "Admin.Nav.Access", PermissionNames.AdminSystem);
    public static readonly AdminSection Audit = new(AdminArea.Home + "/audit", "Admin.Nav.Audit", PermissionNames.AdminUsers);

    public static readonly IReadOnlyList<AdminSection> All =
    [
        Dashboard,
        Users,
        Roles,
        AccessRules,
        Audit,
    ];
}
