namespace Warden.Server.Authorization;

/// <summary>The roles and permissions every Warden database starts with (docs/architecture.md).</summary>
public static class DefaultRoles
{
    public const string User = "user";
    public const string Moderator = "moderator";
    public const string Admin = "admin";

    public static readonly IReadOnlyDictionary<string, string> Permissions = new Dictionary<string, string>
    {
        [PermissionNames.ReadOwn] = "Read one's own account and profile",
        [PermissionNames.WriteOwn] = "Change one's own account and profile",
        [PermissionNames.ReadAll] = "Read any user's profile",
        [PermissionNames.WriteAll] = "Change any user's profile",
        [PermissionNames.AdminUsers] = "Administer users",
        [PermissionNames.AdminSystem] = "Administer roles, permissions, webhooks and the system",
    };

    public static readonly IReadOnlyDictionary<string, string[]> Roles = new Dictionary<string, string[]>
    {
        [User] = [PermissionNames.ReadOwn, PermissionNames.WriteOwn],
        [Moderator] = [PermissionNames.ReadOwn, PermissionNames.WriteOwn, PermissionNames.ReadAll],
        [Admin] = [.. Permissions.Keys],
    };
}

public static class PermissionNames
{
    public const string ReadOwn = "read:own";
    public const string WriteOwn = "write:own";
    public const string ReadAll = "read:all";
    public const string WriteAll = "write:all";
    public const string AdminUsers = "admin:users";
    public const string AdminSystem = "admin:system";
}
