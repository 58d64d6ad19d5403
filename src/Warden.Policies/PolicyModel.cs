using System.Net;

namespace Warden.Policies;

/// <summary>
/// Who asks. Warden reads these attributes fresh from its database (a token's roles may be stale), except
/// <see cref="Amr"/>, which only the token knows.
/// </summary>
/// <param name="Id">The user's id (<c>subject.id</c>); null for an anonymous caller.</param>
/// <param name="Roles">Role names (<c>subject.roles</c>).</param>
/// <param name="Permissions">Permission names (<c>subject.permissions</c>).</param>
/// <param name="Status">The account status as on the wire, e.g. <c>active</c> (<c>subject.status</c>).</param>
/// <param name="EmailVerified">Whether the email address is verified (<c>subject.emailVerified</c>: <c>"true"</c>/<c>"false"</c>, absent when anonymous).</param>
/// <param name="Amr">How the user signed in, from the token's <c>amr</c> claim: <c>pwd</c>, <c>otp</c>, <c>mfa</c> (<c>subject.amr</c>).</param>
public sealed record PolicySubject(
    Guid? Id,
    IReadOnlySet<string> Roles,
    IReadOnlySet<string> Permissions,
    string? Status,
    bool EmailVerified,
    IReadOnlySet<string> Amr)
{
    /// <summary>A caller nobody signed in as: no id, roles, permissions, status or <c>amr</c>.</summary>
    public static readonly PolicySubject Anonymous = new(null, EmptySet.Instance, EmptySet.Instance, null, false, EmptySet.Instance);
}

/// <summary>
/// What is acted on. <see cref="Permissions"/> are the target user's permissions when the resource is a user
/// (Warden fills them in when left null), so rules can refuse acting on someone more powerful.
/// </summary>
/// <param name="Type">The resource type rules name in <c>resourceType</c> (<c>resource.type</c>).</param>
/// <param name="OwnerId">The user the resource belongs to, if any (<c>resource.ownerId</c>).</param>
/// <param name="Permissions">For a user: that user's permissions (<c>resource.permissions</c>).</param>
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
/// <param name="Time">The instant of the request (<c>context.time</c>, <c>context.dayOfWeek</c>); take it from a <see cref="TimeProvider"/>.</param>
/// <param name="ClientIp">The client's address (<c>context.ip</c>); null when unknown, which is outside every range.</param>
public sealed record PolicyContext(DateTimeOffset Time, IPAddress? ClientIp);

/// <summary>One question: may <paramref name="Subject"/> do <paramref name="Action"/> on <paramref name="Resource"/> in <paramref name="Context"/>?</summary>
/// <param name="Subject">Who asks.</param>
/// <param name="Action">The action, e.g. <c>read</c> or <c>admin.users.status</c>.</param>
/// <param name="Resource">What is acted on.</param>
/// <param name="Context">When and from where.</param>
public sealed record PolicyRequest(PolicySubject Subject, string Action, PolicyResource Resource, PolicyContext Context);

/// <summary>
/// The outcome: allowed or not, and the rule that decided (null when no rule matched, which denies).
/// <see cref="Code"/> is the problem code a denying rule asks callers to answer with (e.g. <c>step_up_required</c>).
/// </summary>
/// <param name="IsAllowed">True when some rule allows and no rule denies.</param>
/// <param name="Rule">The name of the deciding rule: the first matching deny, else the first matching allow (by order, then name); null when nothing matched.</param>
/// <param name="Code">A denying rule's <c>code</c>; null for an allow, for no match, or when the rule names none (callers then answer <c>forbidden</c>).</param>
public sealed record PolicyDecision(bool IsAllowed, string? Rule, string? Code)
{
    /// <summary>No rule matched: denied, naming no rule.</summary>
    public static PolicyDecision NoMatch { get; } = new(false, null, null);
}

/// <summary>The resource types of Warden's own objects, as its rules name them.</summary>
public static class PolicyResourceTypes
{
    /// <summary>A user account; Warden supplies its permissions as <c>resource.permissions</c>.</summary>
    public const string User = "user";

    /// <summary>A user's profile.</summary>
    public const string Profile = "profile";

    /// <summary>A user's avatar image (the upload).</summary>
    public const string Avatar = "avatar";

    /// <summary>A user's settings (notifications, theme, preferred second factor).</summary>
    public const string Settings = "settings";

    /// <summary>The roles.</summary>
    public const string Role = "role";

    /// <summary>The permissions.</summary>
    public const string Permission = "permission";
}

internal static class EmptySet
{
    public static readonly IReadOnlySet<string> Instance = new HashSet<string>();
}
