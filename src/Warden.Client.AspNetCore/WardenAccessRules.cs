using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Warden.Policies;

namespace Warden.Client.AspNetCore;

/// <summary>
/// Warden's attribute-based access rules, evaluated here with Warden's own engine (Warden.Policies) on the rules of
/// <see cref="WardenAuthenticationOptions.Rules"/>: no call to Warden per decision. The subject is the token's user
/// (id, roles, permissions, verified email, <c>amr</c>); its status is <c>active</c>, since Warden issues tokens only to
/// active accounts and a suspension revokes their sessions (see <see cref="WardenAuthenticationOptions.RevocationCheckInterval"/>).
/// A client acting for itself, or nobody, is <see cref="PolicySubject.Anonymous"/>.
/// </summary>
public sealed class WardenAccessRules(IOptions<WardenAuthenticationOptions> options, TimeProvider time)
{
    private readonly Lazy<PolicySet> _rules = new(() => PolicySet.Create(options.Value.Rules));

    /// <summary>The compiled rules.</summary>
    public PolicySet Rules => _rules.Value;

    /// <summary>May the request's user do <paramref name="action"/> on <paramref name="resource"/>, now, from the request's address?</summary>
    /// <param name="http">The request (its user, address and cancellation).</param>
    /// <param name="action">The action, e.g. <c>courses.edit</c>.</param>
    /// <param name="resource">The resource, e.g. <c>new PolicyResource("course", course.OwnerId)</c>.</param>
    /// <returns>The decision, naming the deciding rule.</returns>
    public PolicyDecision Evaluate(HttpContext http, string action, PolicyResource resource)
    {
        ArgumentNullException.ThrowIfNull(http);
        return Evaluate(http.User, action, resource, new PolicyContext(time.GetUtcNow(), http.Connection.RemoteIpAddress));
    }

    /// <summary>The same in a context given.</summary>
    /// <param name="user">Who asks.</param>
    /// <param name="action">The action.</param>
    /// <param name="resource">The resource.</param>
    /// <param name="context">When and from where.</param>
    /// <returns>The decision, naming the deciding rule.</returns>
    public PolicyDecision Evaluate(ClaimsPrincipal user, string action, PolicyResource resource, PolicyContext context) =>
        PolicyEvaluator.Evaluate(Rules, Subject(user), action, resource, context);

    /// <summary>The subject the rules see for this principal.</summary>
    /// <param name="user">The request's user.</param>
    /// <returns>The subject.</returns>
    public static PolicySubject Subject(ClaimsPrincipal? user) =>
        WardenUser.From(user) is { } u
            ? new PolicySubject(u.Id, u.Roles, u.Permissions, "active", u.EmailVerified, u.Amr)
            : PolicySubject.Anonymous;
}
