using System.Net;

namespace Warden.Server.Authorization.Policies;

/// <summary>Who asks: attributes of the signed-in user, read fresh (not from the token) except <c>amr</c>.</summary>
public sealed record PolicySubject(
    Guid? Id,
    IReadOnlySet<string> Roles,
    IReadOnlySet<string> Permissions,
    string? Status,
    bool EmailVerified,
    IReadOnlySet<string> Amr)
{
    public static readonly PolicySubject Anonymous = new(null, EmptySet.Instance, EmptySet.Instance, null, false, EmptySet.Instance);
}

/// <summary>
/// What is acted on. <see cref="Permissions"/> are the target user's permissions when the resource is a user
/// (filled in by <see cref="AccessPolicy"/> when left null), so rules can refuse acting on someone more powerful.
/// </summary>
public sealed record PolicyResource(string Type, Guid? OwnerId = null, IReadOnlySet<string>? Permissions = null)
{
    /// <summary>A user account (its owner is the user).</summary>
    public static PolicyResource User(Guid userId) => new(PolicyResourceTypes.User, userId);

    /// <summary>A user's profile.</summary>
    public static PolicyResource Profile(Guid userId) => new(PolicyResourceTypes.Profile, userId);

    /// <summary>A collection or a system object that belongs to nobody (the user list, roles, permissions).</summary>
    public static PolicyResource Of(string type) => new(type);
}

/// <summary>When and from where.</summary>
public sealed record PolicyContext(DateTimeOffset Time, IPAddress? ClientIp);

public sealed record PolicyRequest(PolicySubject Subject, string Action, PolicyResource Resource, PolicyContext Context);

/// <summary>
/// The outcome: allowed or not, and the rule that decided (null when no rule matched, which denies).
/// <see cref="Code"/> is the problem code a denying rule asks callers to answer with (e.g. <c>step_up_required</c>).
/// </summary>
public sealed record PolicyDecision(bool IsAllowed, string? Rule, string? Code)
{
    public static PolicyDecision NoMatch { get; } = new(false, null, null);
}

public static class PolicyResourceTypes
{
    public const string User = "user";
    public const string Profile = "profile";

    /// <summary>A user's avatar image (the upload).</summary>
    public const string Avatar = "avatar";

    /// <summary>A user's settings (notifications, theme, preferred second factor).</summary>
    public const string Settings = "settings";
    public const string Role = "role";
    public const string Permission = "permission";
}

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
    public const string AdminRolesRead = "admin.roles.read";
    public const string AdminRolesWrite = "admin.roles.write";
}

internal static class EmptySet
{
    public static readonly IReadOnlySet<string> Instance = new HashSet<string>();
}
