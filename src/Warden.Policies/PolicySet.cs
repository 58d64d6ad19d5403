using System.Text.Json;
using System.Text.Json.Serialization;

namespace Warden.Policies;

/// <summary>
/// A validated set of rules, immutable and safe to share between threads. Build it from JSON with
/// <see cref="Parse"/>, or from rules bound from configuration with <see cref="Create"/> / <see cref="TryCreate"/>;
/// ask it with <see cref="PolicyEvaluator.Evaluate(PolicySet, PolicySubject, string, PolicyResource, PolicyContext)"/>.
/// Disabled rules are left out.
/// </summary>
public sealed class PolicySet
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, // a misspelt "condtions" must not drop the conditions
        RespectNullableAnnotations = true,
        AllowDuplicateProperties = false,
    };

    private PolicySet(IReadOnlyList<PolicyRule> rules) => Rules = rules;

    /// <summary>The enabled rules in evaluation order (ascending <c>order</c>, then name).</summary>
    public IReadOnlyList<PolicyRule> Rules { get; }

    /// <summary>No rules: every question is answered with a deny naming no rule.</summary>
    public static PolicySet Empty { get; } = new([]);

    /// <summary>The attributes a condition can test, or name as its <c>ref</c>.</summary>
    public static IReadOnlyList<string> Attributes => PolicyRuleCompiler.Attributes;

    /// <summary>The operators a condition can use, as written.</summary>
    public static IEnumerable<string> Operators => PolicyRuleCompiler.Operators.Keys;

    /// <summary>
    /// Reads rules from a JSON object whose members are the rules by name:
    /// <c>{ "readOwn": { "effect": "allow", "actions": ["read"], "conditions": [ ... ] } }</c>. Property names
    /// are case-insensitive; comments and trailing commas are allowed; an unknown property, a value of the wrong
    /// type or a rule name given twice is an error.
    /// </summary>
    /// <param name="json">The rules.</param>
    /// <returns>The validated rules.</returns>
    /// <exception cref="PolicyFormatException">The text is not such an object or a rule is invalid; <see cref="PolicyFormatException.Errors"/> lists every mistake.</exception>
    public static PolicySet Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new PolicyFormatException([new("", "", $"are not valid JSON: {Brief(e)}")]);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new PolicyFormatException([new("", "", "must be a JSON object with one member per rule.")]);
            }

            var errors = new List<PolicyRuleError>();
            var rules = new Dictionary<string, PolicyRuleOptions>(StringComparer.OrdinalIgnoreCase);
            foreach (var member in document.RootElement.EnumerateObject())
            {
                if (rules.ContainsKey(member.Name))
                {
                    errors.Add(new(member.Name, "", "is given more than once (rule names are case-insensitive)."));
                    continue;
                }

                try
                {
                    rules[member.Name] = member.Value.Deserialize<PolicyRuleOptions>(Json)
                        ?? throw new JsonException("A rule is an object, not null.");
                }
                catch (JsonException e)
                {
                    var path = e.Path is { Length: > 1 } p ? p.TrimStart('$').TrimStart('.') : "";
                    errors.Add(new(member.Name, path, $"is not valid: {Brief(e)}"));
                }
            }

            if (errors.Count > 0)
            {
                throw new PolicyFormatException(errors);
            }

            return Create(rules);
        }
    }

    /// <summary>Validates rules given by name (e.g. bound from a configuration section).</summary>
    /// <param name="rules">The rules by name.</param>
    /// <returns>The validated rules.</returns>
    /// <exception cref="PolicyFormatException">A rule is invalid; <see cref="PolicyFormatException.Errors"/> lists every mistake.</exception>
    public static PolicySet Create(IReadOnlyDictionary<string, PolicyRuleOptions> rules) =>
        TryCreate(rules, out var set, out var errors) ? set : throw new PolicyFormatException(errors);

    /// <summary>Validates rules given by name, reporting mistakes instead of throwing (for start-up validation).</summary>
    /// <param name="rules">The rules by name.</param>
    /// <param name="set">The validated rules, when there was no mistake; otherwise the valid rules only.</param>
    /// <param name="errors">Every mistake, each naming its rule and field; empty when valid.</param>
    /// <returns>True when every enabled rule is valid.</returns>
    public static bool TryCreate(IReadOnlyDictionary<string, PolicyRuleOptions> rules, out PolicySet set, out IReadOnlyList<PolicyRuleError> errors)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var found = new List<PolicyRuleError>();
        set = new PolicySet(PolicyRuleCompiler.Compile(rules, found));
        errors = found;
        return found.Count == 0;
    }

    private static string Brief(JsonException e)
    {
        // System.Text.Json appends " Path: ... | LineNumber: ..." relative to the rule; the path is reported apart.
        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}

/// <summary>One mistake in the rules.</summary>
/// <param name="Rule">The rule's name (empty when the whole text is at fault).</param>
/// <param name="Field">The field within the rule, as a configuration key (<c>Conditions:0:Operator</c>) or, for a JSON error, a JSON path; empty for the rule as a whole.</param>
/// <param name="Message">What is wrong, written to follow the field's name.</param>
public sealed record PolicyRuleError(string Rule, string Field, string Message)
{
    /// <summary><c>rule:field message</c>, e.g. <c>adminStepUp:Conditions:0:Operator must be one of ...</c>.</summary>
    /// <returns>The mistake in one line.</returns>
    public override string ToString() =>
        string.Join(':', new[] { Rule, Field }.Where(s => s.Length > 0)) is { Length: > 0 } where ? $"{where} {Message}" : $"The rules {Message}";
}

/// <summary>Rules that cannot be used, with every mistake found.</summary>
public sealed class PolicyFormatException : FormatException
{
    /// <summary>Creates the exception from the mistakes found.</summary>
    /// <param name="errors">Every mistake, each naming its rule and field.</param>
    public PolicyFormatException(IReadOnlyList<PolicyRuleError> errors)
        : base("Invalid access rules:" + Environment.NewLine + string.Join(Environment.NewLine, (errors ?? []).Select(e => "  " + e)))
    {
        Errors = errors ?? [];
    }

    /// <summary>Every mistake, each naming its rule and field.</summary>
    public IReadOnlyList<PolicyRuleError> Errors { get; }
}
