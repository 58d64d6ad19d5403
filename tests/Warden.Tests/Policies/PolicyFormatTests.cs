using Warden.Policies;
using Warden.Server.Authorization;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Policies;

/// <summary>Malformed rules are refused whole, with an error naming the rule and the field at fault.</summary>
[SqliteOnly]
public sealed class PolicyFormatTests
{
    private const string Ok = "'effect': 'allow', 'actions': ['read']";

    private static string Condition(string body) => $"{{ 'bad': {{ {Ok}, 'conditions': [ {{ 'attribute': 'subject.id', 'value': 'x' }}, {{ {body} }} ] }} }}";

    public static readonly TheoryData<string, string, string> Mistakes = new()
    {
        { "an unknown effect", "{ 'bad': { 'effect': 'permit', 'actions': ['read'] } }", "bad:Effect must be 'allow' or 'deny'." },
        { "no effect", "{ 'bad': { 'actions': ['read'] } }", "bad:Effect must be" },
        { "no action", "{ 'bad': { 'effect': 'allow' } }", "bad:Actions must name at least one action" },
        { "blank actions only", "{ 'bad': { 'effect': 'allow', 'actions': [' ', ''] } }", "bad:Actions must name at least one action" },
        { "an unknown attribute", Condition("'attribute': 'subject.shoeSize', 'operator': 'equals', 'value': '42'"), "bad:Conditions:1:Attribute must be one of subject.id," },
        { "no attribute", Condition("'operator': 'equals', 'value': '42'"), "bad:Conditions:1:Attribute must be one of" },
        { "an unknown operator", Condition("'attribute': 'subject.amr', 'operator': 'resembles', 'value': 'mfa'"), "bad:Conditions:1:Operator must be one of equals, notEquals," },
        { "an operator given by number", Condition("'attribute': 'subject.amr', 'operator': '4', 'value': 'mfa'"), "bad:Conditions:1:Operator must be one of" },
        { "two operators at once", Condition("'attribute': 'subject.amr', 'operator': 'equals, in', 'value': 'mfa'"), "bad:Conditions:1:Operator must be one of" },
        { "an unknown ref", Condition("'attribute': 'resource.ownerId', 'operator': 'equals', 'ref': 'subject.name'"), "bad:Conditions:1:Ref must be one of" },
        { "no operand", Condition("'attribute': 'subject.id', 'operator': 'equals'"), "bad:Conditions:1 needs exactly one operand" },
        { "a value and a ref", Condition("'attribute': 'subject.id', 'operator': 'equals', 'value': 'x', 'ref': 'resource.ownerId'"), "bad:Conditions:1 needs exactly one operand" },
        { "an unknown time zone", Condition("'attribute': 'context.time', 'operator': 'between', 'values': ['09:00', '17:00'], 'timeZone': 'Mars/Olympus'"), "bad:Conditions:1:TimeZone 'Mars/Olympus' is not a known time zone." },
        { "between with times not in HH:mm", Condition("'attribute': 'context.time', 'operator': 'between', 'values': ['9am', '5pm']"), "bad:Conditions:1:Values 'between' applies to context.time" },
        { "between with one bound", Condition("'attribute': 'context.time', 'operator': 'between', 'value': '09:00'"), "bad:Conditions:1:Values 'between' applies to context.time" },
        { "between with 24:00", Condition("'attribute': 'context.time', 'operator': 'notBetween', 'values': ['09:00', '24:00']"), "bad:Conditions:1:Values 'notBetween' applies to context.time" },
        { "between on another attribute", Condition("'attribute': 'subject.status', 'operator': 'between', 'values': ['09:00', '17:00']"), "bad:Conditions:1:Values 'between' applies to context.time" },
        { "inCidr on another attribute", Condition("'attribute': 'subject.id', 'operator': 'inCidr', 'values': ['10.0.0.0/8']"), "bad:Conditions:1:Attribute 'inCidr' applies to context.ip." },
        { "not a network", Condition("'attribute': 'context.ip', 'operator': 'inCidr', 'values': ['10.0.0.0/8', 'not-a-network']"), "bad:Conditions:1:Values 'not-a-network' is not an IP address or a CIDR range with its host bits zero." },
        { "host bits set", Condition("'attribute': 'context.ip', 'operator': 'inCidr', 'values': ['10.1.2.3/8']"), "bad:Conditions:1:Values '10.1.2.3/8' is not an IP address or a CIDR range with its host bits zero." },
        { "a shorthand address", Condition("'attribute': 'context.ip', 'operator': 'inCidr', 'values': ['10.1']"), "bad:Conditions:1:Values '10.1' is not an IP address or a CIDR range with its host bits zero." },
        { "a prefix too long", Condition("'attribute': 'context.ip', 'operator': 'notInCidr', 'values': ['10.0.0.0/33']"), "bad:Conditions:1:Values '10.0.0.0/33' is not an IP address" },
        { "a misspelt field", "{ 'bad': { 'effect': 'allow', 'actions': ['read'], 'condtions': [] } }", "bad:condtions is not valid: The JSON property 'condtions'" },
        { "a value of the wrong type", "{ 'bad': { 'effect': 'allow', 'actions': ['read'], 'order': 'first' } }", "bad:order is not valid" },
        { "a number as a value", Condition("'attribute': 'subject.id', 'operator': 'equals', 'value': 42"), "bad:conditions[1].value is not valid" },
        { "null for a list", "{ 'bad': { 'effect': 'allow', 'actions': null } }", "bad:actions is not valid" },
        { "a rule given twice", "{ 'bad': { " + Ok + " }, 'BAD': { " + Ok + " } }", "BAD is given more than once" },
        { "a rule that is not an object", "{ 'bad': 'allow' }", "bad is not valid" },
        { "not an object", "[]", "The rules must be a JSON object" },
        { "not JSON", "{ 'bad': ", "The rules are not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void A_malformed_rule_is_refused_naming_the_rule_and_field(string @case, string json, string expected)
    {
        var error = Assert.Throws<PolicyFormatException>(() => PolicyEvaluatorTests.Rules(json));
        Assert.True(error.Errors.Any(e => e.ToString().StartsWith(expected, StringComparison.Ordinal)),
            $"{@case}: expected an error starting with \"{expected}\", got:\n{error.Message}");
        Assert.Contains(expected.Split(' ')[0], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_mistake_is_reported_at_once()
    {
        var error = Assert.Throws<PolicyFormatException>(() => PolicyEvaluatorTests.Rules(
            "{ 'bad': { 'effect': 'permit', 'conditions': [ { 'attribute': 'subject.shoeSize', 'operator': 'equals', 'value': '42' },"
            + " { 'attribute': 'context.ip', 'operator': 'inCidr', 'values': ['x'] } ] }, 'worse': { 'effect': 'deny' } }"));
        Assert.Equal(
            ["bad:Effect", "bad:Actions", "bad:Conditions:0:Attribute", "bad:Conditions:1:Values", "worse:Actions"],
            error.Errors.Select(e => $"{e.Rule}:{e.Field}"));
    }

    [Fact]
    public void A_rule_with_a_mistake_is_left_out_rather_than_widened()
    {
        // TryCreate reports the mistake; the set it still returns must not hold the rule minus its bad condition.
        var rules = new Dictionary<string, PolicyRuleOptions>
        {
            ["admins"] = new() { Effect = "allow", Actions = ["*"], Conditions = [new() { Attribute = "subject.roles", Operator = "containz", Value = "admin" }] },
        };
        Assert.False(PolicySet.TryCreate(rules, out var set, out var errors));
        Assert.Single(errors);
        Assert.Empty(set.Rules);
    }

    [Fact]
    public void Options_and_json_spell_the_same_rules()
    {
        var json = PolicyEvaluatorTests.Rules("{ 'OwnRead': { 'Order': 3, 'Effect': 'Allow', 'Actions': [' read '], 'Conditions': [ { 'Attribute': 'resource.ownerId', 'Operator': 'EQUALS', 'Ref': 'subject.id' } ] } }");
        var options = PolicySet.Create(new Dictionary<string, PolicyRuleOptions>
        {
            ["OwnRead"] = new() { Order = 3, Effect = "allow", Actions = ["read"], Conditions = [new() { Attribute = "resource.ownerId", Operator = "equals", Ref = "subject.id" }] },
        });
        var rule = Assert.Single(json.Rules);
        Assert.Equal(("OwnRead", 3, PolicyEffect.Allow, "*"), (rule.Name, rule.Order, rule.Effect, rule.ResourceType));
        Assert.Equal(["read"], rule.Actions);
        Assert.Equal(options.Rules.Select(r => (r.Name, r.Order, r.Effect)), json.Rules.Select(r => (r.Name, r.Order, r.Effect)));
    }

    [Fact]
    public void Warden_reports_rule_mistakes_under_their_configuration_keys()
    {
        var options = new WardenAuthorizationOptions();
        options.Rules["bad"] = new() { Effect = "allow", Actions = ["read"], Conditions = [new() { Attribute = "subject.amr", Operator = "resembles", Value = "mfa" }] };
        var result = new WardenAuthorizationOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Warden:Authorization:Rules:bad:Conditions:0:Operator must be one of", StringComparison.Ordinal));
    }
}
