using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Warden.Policies;

/// <summary>Whether a matching rule allows or denies.</summary>
public enum PolicyEffect
{
    /// <summary>Allows, unless a matching deny rule exists.</summary>
    Allow,

    /// <summary>Denies, whatever else matches.</summary>
    Deny,
}

/// <summary>A validated, ready-to-evaluate rule of a <see cref="PolicySet"/>.</summary>
public sealed class PolicyRule
{
    internal PolicyRule(string name, int order, PolicyEffect effect, IReadOnlyList<string> actions, string resourceType,
        IReadOnlyList<PolicyCondition> conditions, string? code)
    {
        Name = name;
        Order = order;
        Effect = effect;
        Actions = actions;
        ResourceType = resourceType;
        Conditions = conditions;
        Code = code;
    }

    /// <summary>The rule's name: the key it was written under.</summary>
    public string Name { get; }

    /// <summary>Its position among the rules (ascending, then by name).</summary>
    public int Order { get; }

    /// <summary>Allow or deny.</summary>
    public PolicyEffect Effect { get; }

    /// <summary>The action patterns it applies to (trimmed).</summary>
    public IReadOnlyList<string> Actions { get; }

    /// <summary>The resource type it applies to, or <c>*</c>.</summary>
    public string ResourceType { get; }

    /// <summary>The problem code of a deny, if the rule names one.</summary>
    public string? Code { get; }

    internal IReadOnlyList<PolicyCondition> Conditions { get; }
}

internal enum PolicyOperator
{
    Equals,
    NotEquals,
    In,
    NotIn,
    Contains,
    NotContains,
    ContainsAny,
    SubsetOf,
    NotSubsetOf,
    Between,
    NotBetween,
    InCidr,
    NotInCidr,
}

internal sealed record PolicyCondition(
    string Attribute,
    PolicyOperator Operator,
    IReadOnlySet<string> Values,
    string? Ref,
    TimeZoneInfo Zone,
    TimeOnly From,
    TimeOnly To,
    IReadOnlyList<IPNetwork> Networks);

/// <summary>Turns the written form into rules, reporting every mistake with the rule and the field that holds it.</summary>
internal static class PolicyRuleCompiler
{
    public static readonly IReadOnlyList<string> Attributes =
    [
        "subject.id", "subject.roles", "subject.permissions", "subject.status", "subject.emailVerified", "subject.amr",
        "resource.type", "resource.ownerId", "resource.permissions",
        "context.time", "context.dayOfWeek", "context.ip",
    ];

    // By their written names only: Enum.TryParse would also take "7" or "equals, in" (a flags combination that
    // happens to name another operator).
    public static readonly IReadOnlyDictionary<string, PolicyOperator> Operators = Enum.GetValues<PolicyOperator>()
        .ToDictionary(o => char.ToLowerInvariant(o.ToString()[0]) + o.ToString()[1..], StringComparer.OrdinalIgnoreCase);

    private static readonly string AttributeList = string.Join(", ", Attributes);
    private static readonly string OperatorList = string.Join(", ", Operators.Keys);

    public static IReadOnlyList<PolicyRule> Compile(IReadOnlyDictionary<string, PolicyRuleOptions> rules, List<PolicyRuleError> errors)
    {
        var compiled = new List<PolicyRule>();
        foreach (var (name, rule) in rules)
        {
            if (rule is null || !rule.Enabled)
            {
                continue;
            }

            var before = errors.Count;
            PolicyEffect effect = default;
            if (string.Equals(rule.Effect, "allow", StringComparison.OrdinalIgnoreCase))
            {
                effect = PolicyEffect.Allow;
            }
            else if (string.Equals(rule.Effect, "deny", StringComparison.OrdinalIgnoreCase))
            {
                effect = PolicyEffect.Deny;
            }
            else
            {
                errors.Add(new(name, "Effect", "must be 'allow' or 'deny'."));
            }

            var actions = rule.Actions.Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => a.Trim()).ToList();
            if (actions.Count == 0)
            {
                errors.Add(new(name, "Actions", "must name at least one action (or '*')."));
            }

            var conditions = new List<PolicyCondition>();
            for (var i = 0; i < rule.Conditions.Count; i++)
            {
                if (CompileCondition(rule.Conditions[i], name, $"Conditions:{i}", errors) is { } condition)
                {
                    conditions.Add(condition);
                }
            }

            if (errors.Count == before)
            {
                var resourceType = string.IsNullOrWhiteSpace(rule.ResourceType) ? "*" : rule.ResourceType.Trim();
                compiled.Add(new PolicyRule(name, rule.Order, effect, actions, resourceType, conditions, rule.Code));
            }
        }

        return [.. compiled.OrderBy(r => r.Order).ThenBy(r => r.Name, StringComparer.Ordinal)];
    }

    private static PolicyCondition? CompileCondition(PolicyConditionOptions? c, string rule, string field, List<PolicyRuleError> errors)
    {
        if (c is null)
        {
            errors.Add(new(rule, field, "is empty: a condition needs an attribute, an operator and an operand."));
            return null;
        }

        var before = errors.Count;
        if (c.Attribute is null || !Attributes.Contains(c.Attribute))
        {
            errors.Add(new(rule, $"{field}:Attribute", $"must be one of {AttributeList}."));
        }

        if (c.Operator is null || !Operators.TryGetValue(c.Operator.Trim(), out var op))
        {
            errors.Add(new(rule, $"{field}:Operator", $"must be one of {OperatorList}."));
            return null;
        }

        var values = new HashSet<string>(c.Values.Where(v => v is not null), StringComparer.Ordinal);
        if (c.Value is not null)
        {
            values.Add(c.Value);
        }

        if (c.Ref is not null && !Attributes.Contains(c.Ref))
        {
            errors.Add(new(rule, $"{field}:Ref", $"must be one of {AttributeList}."));
        }

        if ((c.Ref is null) == (values.Count == 0))
        {
            errors.Add(new(rule, field, "needs exactly one operand: 'value', 'values' or 'ref'."));
        }

        var zone = TimeZoneInfo.Utc;
        if (!string.IsNullOrWhiteSpace(c.TimeZone) && !TimeZoneInfo.TryFindSystemTimeZoneById(c.TimeZone, out zone!))
        {
            errors.Add(new(rule, $"{field}:TimeZone", $"'{c.TimeZone}' is not a known time zone."));
            zone = TimeZoneInfo.Utc;
        }

        TimeOnly from = default, to = default;
        if (op is PolicyOperator.Between or PolicyOperator.NotBetween)
        {
            var bounds = c.Values.Count == 2 ? c.Values : [];
            if (c.Attribute != "context.time" || bounds.Count != 2
                || !TimeOnly.TryParseExact(bounds[0], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out from)
                || !TimeOnly.TryParseExact(bounds[1], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out to))
            {
                errors.Add(new(rule, $"{field}:Values", $"'{c.Operator}' applies to context.time with values [\"HH:mm\", \"HH:mm\"]."));
            }
        }

        var networks = new List<IPNetwork>();
        if (op is PolicyOperator.InCidr or PolicyOperator.NotInCidr)
        {
            if (c.Attribute != "context.ip")
            {
                errors.Add(new(rule, $"{field}:Attribute", $"'{c.Operator}' applies to context.ip."));
            }

            foreach (var value in values)
            {
                // Read as every rule about addresses is (IpNetworks): plain forms only, no host bits set, IPv4-mapped as IPv4.
                if (IpNetworks.TryParse(value, out var network))
                {
                    networks.Add(network);
                }
                else
                {
                    errors.Add(new(rule, $"{field}:Values", $"'{value}' is not an IP address or a CIDR range with its host bits zero."));
                }
            }
        }

        return errors.Count > before
            ? null
            : new PolicyCondition(c.Attribute!, op, values, c.Ref, zone, from, to, networks);
    }
}
