using System.Security.Claims;
using Microsoft.Extensions.Options;
using Warden.Server.Users;

namespace Warden.Server.Authorization.Policies;

/// <summary>
/// The attribute-based access service (ABAC), binding the engine (<c>Warden.Policies</c>) to Warden: builds the subject from the caller's CURRENT roles, permissions
/// and status (<see cref="PermissionService"/>) plus the token's <c>amr</c>, the context from the clock and the
/// client address, and evaluates the configured rules (<c>Warden:Authorization:Rules</c>). Denials are logged
/// with the rule that decided them.
/// <para>
/// Other modules call <see cref="EvaluateAsync"/>, e.g. the profile endpoints with
/// <c>EvaluateAsync(User, PolicyActions.Read, PolicyResource.Profile(id), http)</c>, and answer 404 when
/// the caller may not see the object.
/// </para>
/// </summary>
public sealed partial class AccessPolicy(
    PermissionService permissions,
    PolicyRuleSet rules,
    TimeProvider time,
    ILogger<AccessPolicy> logger)
{
    public Task<PolicyDecision> EvaluateAsync(ClaimsPrincipal subject, string action, PolicyResource resource, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return EvaluateAsync(subject, action, resource, new PolicyContext(time.GetUtcNow(), context.Connection.RemoteIpAddress), context.RequestAborted);
    }

    /// <summary>
    /// The same decision in a context given rather than read from the request: the console's "would this be allowed?"
    /// tester asks it for another subject, instant and address, so its answer is the API's.
    /// </summary>
    public async Task<PolicyDecision> EvaluateAsync(
        ClaimsPrincipal subject, string action, PolicyResource resource, PolicyContext when, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(when);

        var subjectId = subject.Identity?.IsAuthenticated == true && Guid.TryParse(subject.FindFirstValue("sub"), out var id) ? id : (Guid?)null;
        return await EvaluateAsync(subjectId, subject.FindAll("amr").Select(c => c.Value), action, resource, when, cancellationToken);
    }

    /// <summary>
    /// The same decision for a subject named by id (null: anonymous), e.g. the check endpoint's question from another
    /// service. Roles, permissions, status and verified email come from the database; only <paramref name="amr"/> is given.
    /// An unknown id is a subject with none of them.
    /// </summary>
    public async Task<PolicyDecision> EvaluateAsync(
        Guid? subjectId, IEnumerable<string> amr, string action, PolicyResource resource, PolicyContext when, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(amr);
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(when);

        var who = await SubjectAsync(subjectId, amr, cancellationToken);
        if (resource.Type == PolicyResourceTypes.User && resource.OwnerId is { } targetId && resource.Permissions is null)
        {
            // All the target's role permissions, even while suspended: they are what acting on the account could unlock.
            resource = resource with { Permissions = (await permissions.GetAsync(targetId, cancellationToken)).Permissions };
        }

        var decision = PolicyEvaluator.Evaluate(rules.Rules, who, action, resource, when);
        if (!decision.IsAllowed)
        {
            LogDenied(logger, who.Id, action, resource.Type, resource.OwnerId, decision.Rule ?? "(no rule allows it)");
        }

        return decision;
    }

    private async Task<PolicySubject> SubjectAsync(Guid? subjectId, IEnumerable<string> amr, CancellationToken cancellationToken)
    {
        if (subjectId is not { } userId)
        {
            return PolicySubject.Anonymous;
        }

        var access = await permissions.GetAsync(userId, cancellationToken);
        return new PolicySubject(
            userId,
            access.IsActive ? access.Roles : PolicySubject.Anonymous.Roles,
            access.EffectivePermissions,
            access.Status?.ToWire(),
            access.EmailVerified,
            amr.ToHashSet(StringComparer.Ordinal));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Access denied: subject {SubjectId} action {Action} on {ResourceType} {ResourceOwner} by rule {Rule}")]
    private static partial void LogDenied(ILogger logger, Guid? subjectId, string action, string resourceType, Guid? resourceOwner, string rule);
}

/// <summary>
/// The adapter from configuration to the engine: the rules of <c>Warden:Authorization:Rules</c>, bound by the
/// options system and compiled once by <see cref="PolicySet"/> (invalid rules stop the start, see
/// <see cref="WardenAuthorizationOptionsValidator"/>).
/// </summary>
public sealed class PolicyRuleSet(IOptions<WardenAuthorizationOptions> options)
{
    private readonly Lazy<PolicySet> _rules = new(() => PolicySet.Create(options.Value.Rules));

    public PolicySet Rules => _rules.Value;
}
