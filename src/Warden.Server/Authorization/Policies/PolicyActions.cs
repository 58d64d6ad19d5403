namespace Warden.Server.Authorization.Policies;

/// <summary>
/// Actions Warden itself asks about. Rules match them exactly, by a trailing <c>*</c> (<c>admin.*</c>), or
/// with <c>*</c> alone. Other modules and services may use their own names.
/// </summary>
public static class PolicyActions
{
    public const string Read = "read";
    public const string Write = "write";

    public const string AdminUsersRead = "admin.users.read";
    public const string AdminUsersCreate = "admin.users.create";
    public const string AdminUsersStatus = "admin.users.status";
    public const string AdminUsersUnlock = "admin.users.unlock";
    public const string AdminUsersSessions = "admin.users.sessions";
    public const string AdminUsersTwoFactor = "admin.users.two_factor";
    public const string AdminUsersErase = "admin.users.erase";
    public const string AdminUsersRoles = "admin.users.roles";
    public const string AdminUsersResend = "admin.users.resend";
    public const string AdminUsersExport = "admin.users.export";
    public const string AdminRolesRead = "admin.roles.read";
    public const string AdminRolesWrite = "admin.roles.write";
}
