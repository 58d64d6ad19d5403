namespace Warden.Policies;

/// <summary>
/// One rule as written in configuration or JSON, under its name (Warden: <c>Warden:Authorization:Rules:&lt;name&gt;</c>).
/// Plain settable properties, so a configuration binder or <see cref="PolicySet.Parse"/> fills it;
/// <see cref="PolicySet.Create"/> validates it.
/// </summary>
public sealed class PolicyRuleOptions
{
    /// <summary>False leaves the rule out (it is then not validated either). Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Evaluation order (ascending, then by name); decides which rule a decision names, never the outcome.</summary>
    public int Order { get; set; }

    /// <summary><c>allow</c> or <c>deny</c> (any case).</summary>
    public string? Effect { get; set; }

    /// <summary>The actions the rule is about: exact names, <c>prefix.*</c>, or <c>*</c>. At least one.</summary>
    public List<string> Actions { get; set; } = [];

    /// <summary>A resource type (<c>user</c>, <c>profile</c>, ...) or <c>*</c> (the default).</summary>
    public string ResourceType { get; set; } = "*";

    /// <summary>All must hold for the rule to match; none means it matches every subject.</summary>
    public List<PolicyConditionOptions> Conditions { get; set; } = [];

    /// <summary>For deny rules: the problem code callers answer with (Warden's default is <c>forbidden</c>).</summary>
    public string? Code { get; set; }

    /// <summary>For people; the engine ignores it.</summary>
    public string? Description { get; set; }
}

/// <summary>
/// A condition: <c>{ "attribute": "subject.amr", "operator": "contains", "value": "mfa" }</c>. The operand is
/// <c>value</c> and/or <c>values</c> (literals, one set), or <c>ref</c> (another attribute, e.g. <c>subject.id</c>).
/// </summary>
public sealed class PolicyConditionOptions
{
    /// <summary>What is tested: one of <see cref="PolicySet.Attributes"/>.</summary>
    public string? Attribute { get; set; }

    /// <summary>How: one of <see cref="PolicySet.Operators"/> (any case).</summary>
    public string? Operator { get; set; }

    /// <summary>One literal operand.</summary>
    public string? Value { get; set; }

    /// <summary>Literal operands; for <c>between</c>, exactly <c>["HH:mm", "HH:mm"]</c>.</summary>
    public List<string> Values { get; set; } = [];

    /// <summary>Another attribute as the operand, instead of literals.</summary>
    public string? Ref { get; set; }

    /// <summary>For <c>context.time</c> and <c>context.dayOfWeek</c>: a time zone id, IANA or Windows (default UTC).</summary>
    public string? TimeZone { get; set; }
}
