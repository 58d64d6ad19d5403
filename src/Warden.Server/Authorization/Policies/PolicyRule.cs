using System.Globalization;
using System.Net;

namespace Warden.Server.Authorization.Policies;

/// <summary>One rule as written in configuration (<c>Warden:Authorization:Rules:&lt;name&gt;</c>).</summary>
public sealed class PolicyRuleOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Evaluation order (ascending, then by name); decides which rule a decision names.</summary>
    public int Order { get; set; }

    /// <summary><c>allow</c> or <c>deny</c>.</summary>
    public string? Effect { get; set; }

    public List<string> Actions { get; set; } = [];

    /// <summary>A resource type (<c>user</c>, <c>profile</c>, ...) or <c>*</c>.</summary>
    public string ResourceType { get; set; } = "*";

    /// <summary>All must hold for the rule to match.</summary>
    public List<PolicyConditionOptions> Conditions { get; set; } = [];

    /// <summary>For deny rules: the problem code callers answer with (default <c>forbidden</c>).</summary>
    public string? Code { get; set; }

    public string? Description { get; set; }
}

/// <summary>
/// <c>{ "attribute": "subject.amr", "operator": "contains", "value": "mfa" }</c>. The operand is
/// <c>value</c>, <c>values</c> or <c>ref</c> (another attribute, e.g. <c>subject.id</c>).
/// </summary>
public sealed class PolicyConditionOptions
{
    public string? Attribute { get; set; }
    public string? Operator { get; set; }
    public string? Value { get; set; }
    public List<string> Values { get; set; } = [];
    public string? Ref { get; set; }

    /// <summary>For <c>context.time</c> and <c>context.dayOfWeek</c>: an IANA time zone (default UTC).</summary>
    public string? TimeZone { get; set; }
}

public enum PolicyEffect
{
    Allow,
    Deny,
}

public enum PolicyOperator
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

/// <summary>A validated, ready-to-evaluate rule.</summary>
public sealed record PolicyRule(
    string Name,
    int Order,
    PolicyEffect Effect,
    IReadOnlyList<string> Actions,
    string ResourceType,
    IReadOnlyList<PolicyCondition> Conditions,
    string? Code);

public sealed record PolicyCondition(
    string Attribute,
    PolicyOperator Operator,
    IReadOnlySet<string> Values,
    string? Ref,
    TimeZoneInfo Zone,
    TimeOnly From,
    TimeOnly To,
    IReadOnlyList<IPNetwork> Networks);

/// <summary>Turns configuration into rules, reporting every mistake with the configuration key that holds it.</summary>
public static class PolicyRuleCompiler
{
    public const string Section = WardenAuthorizationOptions.Section + ":Rules";

    public static readonly IReadOnlySet<string> Attributes = new HashSet<string>(StringComparer.Ordinal)
    {
        "subject.id", "subject.roles", "subject.permissions", "subject.status", "subject.emailVerified", "subject.amr",
        "resource.type", "resource.ownerId", "resource.permissions",
        "context.time", "context.dayOfWeek", "context.ip",
    };

    public static IReadOnlyList<PolicyRule> Compile(IReadOnlyDictionary<string, PolicyRuleOptions> rules, List<string> errors)
    {
        var compiled = new List<PolicyRule>();
        foreach (var (name, rule) in rules)
        {
            var key = $"{Section}:{name}";
            if (rule is null || !rule.Enabled)
            {
                continue;
            }

            PolicyEffect effect;
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
                errors.Add($"{key}:Effect must be 'allow' or 'deny'.");
                continue;
            }

            var actions = rule.Actions.Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => a.Trim()).ToList();
            if (actions.Count == 0)
            {
                errors.Add($"{key}:Actions must name at least one action (or '*').");
            }

            var conditions = new List<PolicyCondition>();
            for (var i = 0; i < rule.Conditions.Count; i++)
            {
                if (CompileCondition(rule.Conditions[i], $"{key}:Conditions:{i}", errors) is { } condition)
                {
                    conditions.Add(condition);
                }
            }

            var resourceType = string.IsNullOrWhiteSpace(rule.ResourceType) ? "*" : rule.ResourceType.Trim();
            compiled.Add(new PolicyRule(name, rule.Order, effect, actions, resourceType, conditions, rule.Code));
        }

        return [.. compiled.OrderBy(r => r.Order).ThenBy(r => r.Name, StringComparer.Ordinal)];
    }

    private static PolicyCondition? CompileCondition(PolicyConditionOptions c, string key, List<string> errors)
    {
        var before = errors.Count;
        if (c.Attribute is null || !Attributes.Contains(c.Attribute))
        {
            errors.Add($"{key}:Attribute must be one of {string.Join(", ", Attributes)}.");
        }

        if (!Enum.TryParse<PolicyOperator>(c.Operator, ignoreCase: true, out var op) || !Enum.IsDefined(op) || int.TryParse(c.Operator, out _))
        {
            errors.Add($"{key}:Operator must be one of {string.Join(", ", Enum.GetNames<PolicyOperator>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]))}.");
            return null;
        }

        var values = new HashSet<string>(c.Values.Where(v => v is not null), StringComparer.Ordinal);
        if (c.Value is not null)
        {
            values.Add(c.Value);
        }

        if (c.Ref is not null && !Attributes.Contains(c.Ref))
        {
            errors.Add($"{key}:Ref must be one of {string.Join(", ", Attributes)}.");
        }

        if ((c.Ref is null) == (values.Count == 0))
        {
            errors.Add($"{key} needs exactly one operand: 'value', 'values' or 'ref'.");
        }

        var zone = TimeZoneInfo.Utc;
        if (!string.IsNullOrWhiteSpace(c.TimeZone) && !TimeZoneInfo.TryFindSystemTimeZoneById(c.TimeZone, out zone!))
        {
            errors.Add($"{key}:TimeZone '{c.TimeZone}' is not a known time zone.");
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
                errors.Add($"{key}: 'between' applies to context.time with values [\"HH:mm\", \"HH:mm\"].");
            }
        }

        var networks = new List<IPNetwork>();
        if (op is PolicyOperator.InCidr or PolicyOperator.NotInCidr)
        {
            if (c.Attribute != "context.ip")
            {
                errors.Add($"{key}: 'inCidr' applies to context.ip.");
            }

            foreach (var value in values)
            {
                if (IPNetwork.TryParse(value, out var network))
                {
                    networks.Add(network);
                }
                else if (IPAddress.TryParse(value, out var address))
                {
                    networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
                }
                else
                {
                    errors.Add($"{key}: '{value}' is not an IP address or CIDR range.");
                }
            }
        }

        return errors.Count > before
            ? null
            : new PolicyCondition(c.Attribute!, op, values, c.Ref, zone, from, to, networks);
    }
}
