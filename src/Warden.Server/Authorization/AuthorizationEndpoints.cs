namespace Warden.Server.Authorization;

/// <summary>Roles and permissions (<c>/api/v1/roles</c>, <c>/api/v1/permissions</c>): read with admin:users, change with admin:system.</summary>
public static class AuthorizationEndpoints
{
    public static RouteGroupBuilder MapRoleEndpoints(this RouteGroupBuilder roles)
    {
        roles.WithTags("Roles and permissions").RequireAuthorization(PermissionPolicies.AdminUsers);
        roles.MapGet("", Roles.ListAsync).WithName("ListRoles").WithSummary("Every role with its permissions and number of holders.");
        roles.MapPost("", Roles.CreateAsync).WithName("CreateRole").WithSummary("Create a role (admin:system).")
            .RequireAuthorization(PermissionPolicies.AdminSystem);
        roles.MapGet("/{id:guid}", Roles.GetAsync).WithName("GetRole").WithSummary("One role with its permissions.");
        roles.MapPut("/{id:guid}", Roles.UpdateAsync).WithName("UpdateRole").WithSummary("Replace a role's name, description and permissions (admin:system).")
            .RequireAuthorization(PermissionPolicies.AdminSystem);
        roles.MapDelete("/{id:guid}", Roles.DeleteAsync).WithName("DeleteRole").WithSummary("Delete a role nobody holds (admin:system).")
            .RequireAuthorization(PermissionPolicies.AdminSystem);
        return roles;
    }

    public static RouteGroupBuilder MapPermissionEndpoints(this RouteGroupBuilder permissions)
    {
        permissions.WithTags("Roles and permissions").RequireAuthorization(PermissionPolicies.AdminUsers);
        permissions.MapGet("", Permissions.ListAsync).WithName("ListPermissions").WithSummary("Every permission and the roles that grant it.");
        permissions.MapPost("", Permissions.CreateAsync).WithName("CreatePermission").WithSummary("Create a permission (admin:system).")
            .RequireAuthorization(PermissionPolicies.AdminSystem);
        permissions.MapDelete("/{id:guid}", Permissions.DeleteAsync).WithName("DeletePermission").WithSummary("Delete a custom permission (admin:system).")
            .RequireAuthorization(PermissionPolicies.AdminSystem);
        return permissions;
    }
}
