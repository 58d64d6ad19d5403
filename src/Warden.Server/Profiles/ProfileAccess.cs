using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Policies;
using Warden.Server.Users;

namespace Warden.Server.Profiles;

/// <summary>
/// Who may read or change whose profile, avatar and settings: the access rules decide
/// (<see cref="AccessPolicy"/>, <c>Warden:Authorization:Rules</c>), with the actions <c>read</c> and <c>write</c>
/// on the resource types <c>profile</c>, <c>avatar</c> and <c>settings</c>, owned by the user they belong to.
/// The defaults allow the owner with <c>read:own</c>/<c>write:own</c> and anyone with <c>read:all</c>/<c>write:all</c>;
/// a configured deny rule, or a role that no longer grants those permissions, applies here as everywhere.
/// </summary>
public static class ProfileAccess
{
    /// <summary>The caller's own resource: null when allowed, else the problem the denying rule names (403).</summary>
    public static async Task<ProblemHttpResult?> OwnAsync(AccessPolicy policy, HttpContext http, string action, string resourceType)
    {
        var decision = await policy.EvaluateAsync(http.User, action, new PolicyResource(resourceType, http.User.UserId()), http);
        return decision.IsAllowed ? null : AccessGuards.Denied(decision);
    }

    /// <summary>The decision on someone's profile (the caller's own included, reached by id).</summary>
    public static Task<PolicyDecision> DecideAsync(AccessPolicy policy, HttpContext http, ClaimsPrincipal principal, string action, Guid ownerId) =>
        policy.EvaluateAsync(principal, action, PolicyResource.Profile(ownerId), http);
}
