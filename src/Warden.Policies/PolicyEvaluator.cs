using System.Globalization;

namespace Warden.Policies;

/// <summary>
/// Attribute-based access decisions, pure: every rule whose action, resource type and conditions match is
/// collected; a matching deny wins over any allow, and when nothing matches the answer is deny. Order only
/// decides which rule a decision names.
/// </summary>
public static class PolicyEvaluator
{
    /// <summary>May <paramref name="subject"/> do <paramref name="action"/> on <paramref name="resource"/> in <paramref name="context"/>?</summary>
    /// <param name="rules">The rules.</param>
    /// <param name="subject">Who asks (<see cref="PolicySubject.Anonymous"/> for nobody).</param>
    /// <param name="action">The action, e.g. <c>read</c>.</param>
    /// <param name="resource">What is acted on.</param>
    /// <param name="context">When and from where.</param>
    /// <returns>The decision, naming the rule that made it.</returns>
    public static PolicyDecision Evaluate(PolicySet rules, PolicySubject subject, string action, PolicyResource resource, PolicyContext context) =>
        Evaluate(rules, new PolicyRequest(subject, action, resource, context));

    /// <summary>The same question as one value.</summary>
    /// <param name="rules">The rules.</param>
    /// <param name="request">The question.</param>
    /// <returns>The decision, naming the rule that made it.</returns>
    public static PolicyDecision Evaluate(PolicySet rules, PolicyRequest request)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Subject);
        ArgumentNullException.ThrowIfNull(request.Action);
        ArgumentNullException.ThrowIfNull(request.Resource);
        ArgumentNullException.ThrowIfNull(request.Context);

        PolicyRule? allowedBy = null;
        foreach (var rule in rules.Rules)
        {
            if (!Applies(rule, request) || !rule.Conditions.All(c => Holds(c, request)))
            {
                continue;
            }

            if (rule.Effect == PolicyEffect.Deny)
            {
                return new PolicyDecision(false, rule.Name, rule.Code);
            }

            allowedBy ??= rule;
        }

        return allowedBy is null ? PolicyDecision.NoMatch : new PolicyDecision(true, allowedBy.Name, null);
    }

    private static bool Applies(PolicyRule rule, PolicyRequest request) =>
        (rule.ResourceType == "*" || string.Equals(rule.ResourceType, request.Resource.Type, StringComparison.Ordinal))
        && rule.Actions.Any(a => ActionMatches(a, request.Action));

    /// <summary>Whether an action pattern (<c>read</c>, <c>admin.*</c>, <c>*</c>) covers <paramref name="action"/>.</summary>
    /// <param name="pattern">An exact name, a prefix followed by <c>.*</c>, or <c>*</c>.</param>
    /// <param name="action">The action asked about.</param>
    /// <returns>True when the pattern covers the action.</returns>
    internal static bool ActionMatches(string pattern, string action) =>
        pattern == "*"
        || string.Equals(pattern, action, StringComparison.Ordinal)
        || (pattern.EndsWith(".*", StringComparison.Ordinal) && action.StartsWith(pattern[..^1], StringComparison.Ordinal));

    private static bool Holds(PolicyCondition c, PolicyRequest request)
    {
        switch (c.Operator)
        {
            case PolicyOperator.Between:
                return InWindow(c, request.Context.Time);
            case PolicyOperator.NotBetween:
                return !InWindow(c, request.Context.Time);
            case PolicyOperator.InCidr:
                return InNetworks(c, request);
            case PolicyOperator.NotInCidr:
                return !InNetworks(c, request);
        }

        var actual = Read(c.Attribute, request, c.Zone);
        var operand = c.Ref is null ? c.Values : Read(c.Ref, request, c.Zone);
        return c.Operator switch
        {
            PolicyOperator.Equals => SameNonEmpty(actual, operand),
            PolicyOperator.NotEquals => !SameNonEmpty(actual, operand),
            PolicyOperator.In => actual.Count > 0 && actual.All(operand.Contains),
            PolicyOperator.NotIn => !(actual.Count > 0 && actual.All(operand.Contains)),
            PolicyOperator.Contains => operand.Count > 0 && operand.All(actual.Contains),
            PolicyOperator.NotContains => !(operand.Count > 0 && operand.All(actual.Contains)),
            PolicyOperator.ContainsAny => operand.Any(actual.Contains),
            PolicyOperator.SubsetOf => actual.All(operand.Contains),
            PolicyOperator.NotSubsetOf => !actual.All(operand.Contains),
            _ => false,
        };
    }

    // Equality of two present values; a missing attribute (no owner, anonymous subject) never equals anything,
    // so "resource.ownerId equals subject.id" cannot hold between two unknowns.
    private static bool SameNonEmpty(IReadOnlySet<string> a, IReadOnlySet<string> b) => a.Count > 0 && a.SetEquals(b);

    private static bool InWindow(PolicyCondition c, DateTimeOffset now)
    {
        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, c.Zone).DateTime);
        return c.From <= c.To
            ? local >= c.From && local < c.To
            : local >= c.From || local < c.To; // a window across midnight, e.g. 22:00-06:00
    }

    private static bool InNetworks(PolicyCondition c, PolicyRequest request)
    {
        var ip = request.Context.ClientIp;
        return ip is not null && c.Networks.Any(n => IpNetworks.Contains(n, ip));
    }

    private static IReadOnlySet<string> Read(string attribute, PolicyRequest request, TimeZoneInfo zone)
    {
        var (subject, resource, context) = (request.Subject, request.Resource, request.Context);
        return attribute switch
        {
            "subject.id" => One(subject.Id?.ToString()),
            "subject.roles" => subject.Roles,
            "subject.permissions" => subject.Permissions,
            "subject.status" => One(subject.Status),
            "subject.emailVerified" => One(subject.Id is null ? null : subject.EmailVerified ? "true" : "false"),
            "subject.amr" => subject.Amr,
            "resource.type" => One(resource.Type),
            "resource.ownerId" => One(resource.OwnerId?.ToString()),
            "resource.permissions" => resource.Permissions ?? EmptySet.Instance,
            "context.time" => One(TimeZoneInfo.ConvertTime(context.Time, zone).ToString("HH:mm", CultureInfo.InvariantCulture)),
            "context.dayOfWeek" => One(TimeZoneInfo.ConvertTime(context.Time, zone).DayOfWeek.ToString().ToLowerInvariant()),
            "context.ip" => One(context.ClientIp?.ToString()),
            _ => EmptySet.Instance,
        };
    }

    private static IReadOnlySet<string> One(string? value) =>
        value is null ? EmptySet.Instance : new HashSet<string>(StringComparer.Ordinal) { value };
}
