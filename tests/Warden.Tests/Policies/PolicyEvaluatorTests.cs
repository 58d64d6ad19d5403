using System.Net;
using Warden.Policies;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Policies;

/// <summary>
/// The rule engine as a table: rules (JSON, single quotes for readability), a question (subject, action,
/// resource, context) and the decision expected, naming the rule and code that made it.
/// </summary>
[SqliteOnly]
public sealed class PolicyEvaluatorTests
{
    private static readonly Guid Alice = Guid.Parse("0193d4a0-0000-7000-8000-00000000a11c");
    private static readonly Guid Bob = Guid.Parse("0193d4a0-0000-7000-8000-000000000b0b");
    private const string Wednesday = "2026-03-04T12:00:00Z";

    internal static PolicySet Rules(string json) => PolicySet.Parse(json.Replace('\'', '"'));

    private static PolicySubject User(
        Guid? id = null, string[]? roles = null, string[]? permissions = null, string? status = "active", bool verified = true, string[]? amr = null) =>
        new(id ?? Alice, Set(roles ?? ["user"]), Set(permissions ?? ["read:own"]), status, verified, Set(amr ?? ["pwd"]));

    private static HashSet<string> Set(params string[] values) => new(values, StringComparer.Ordinal);

    private static PolicyContext At(string instant = Wednesday, string? ip = "203.0.113.7") =>
        new(DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture), ip is null ? null : IPAddress.Parse(ip));

    private static PolicyDecision Allowed(string rule) => new(true, rule, null);

    private static PolicyDecision Denied(string? rule = null, string? code = null) => new(false, rule, code);

    private static string Allow(string conditions, string actions = "'read'", string resourceType = "*") =>
        $"{{ 'effect': 'allow', 'actions': [{actions}], 'resourceType': '{resourceType}', 'conditions': [{conditions}] }}";

    /// <summary>An allow-everything rule <c>any</c> next to the rule under test, so a deny shows.</summary>
    private static string WithDeny(string deny) => $"{{ 'any': {Allow("")}, {deny} }}";

    private static string When(string attribute, string op, string operand) => $"{{ 'attribute': '{attribute}', 'operator': '{op}', {operand} }}";

    private static string One(string condition) => $"{{ 'r': {Allow(condition)} }}";

    public static readonly TheoryData<string, string, PolicySubject, string, PolicyResource, PolicyContext, PolicyDecision> Decisions = new()
    {
        // Defaults: nothing matching denies, naming no rule; no conditions match everyone; resourceType defaults to *.
        { "no rules deny", "{}", User(), "read", PolicyResource.Profile(Alice), At(), PolicyDecision.NoMatch },
        { "an unmatched action denies", One(""), User(), "write", PolicyResource.Profile(Alice), At(), PolicyDecision.NoMatch },
        { "no conditions match anyone", One(""), PolicySubject.Anonymous, "read", PolicyResource.Of("report"), At(), Allowed("r") },
        { "resourceType defaults to *", "{ 'r': { 'effect': 'allow', 'actions': ['read'] } }", User(), "read", PolicyResource.Of("anything"), At(), Allowed("r") },
        { "a disabled rule does not count", "{ 'r': { 'enabled': false, 'effect': 'allow', 'actions': ['read'] } }", User(), "read", PolicyResource.Of("x"), At(), PolicyDecision.NoMatch },
        { "a disabled rule is not even validated", "{ 'any': { 'effect': 'allow', 'actions': ['read'] }, 'off': { 'enabled': false, 'effect': 'maybe' } }", User(), "read", PolicyResource.Of("x"), At(), Allowed("any") },

        // Actions and resource types.
        { "an exact action", One(""), User(), "read", PolicyResource.Of("x"), At(), Allowed("r") },
        { "a prefix covers its actions", "{ 'r': " + Allow("", "'admin.*'") + " }", User(), "admin.users.status", PolicyResource.Of("x"), At(), Allowed("r") },
        { "a prefix is not a string prefix", "{ 'r': " + Allow("", "'admin.*'") + " }", User(), "administer", PolicyResource.Of("x"), At(), PolicyDecision.NoMatch },
        { "a prefix does not cover itself", "{ 'r': " + Allow("", "'admin.*'") + " }", User(), "admin", PolicyResource.Of("x"), At(), PolicyDecision.NoMatch },
        { "* covers every action", "{ 'r': " + Allow("", "'*'") + " }", User(), "anything", PolicyResource.Of("x"), At(), Allowed("r") },
        { "actions match case-sensitively", One(""), User(), "READ", PolicyResource.Of("x"), At(), PolicyDecision.NoMatch },
        { "the resource type narrows", "{ 'r': " + Allow("", resourceType: "profile") + " }", User(), "read", PolicyResource.User(Bob), At(), PolicyDecision.NoMatch },
        { "the resource type matches", "{ 'r': " + Allow("", resourceType: "profile") + " }", User(), "read", PolicyResource.Profile(Bob), At(), Allowed("r") },

        // Precedence: a matching deny wins whatever the order; order (then name) decides which rule is named.
        { "deny wins over an earlier allow", "{ 'a': { 'order': 1, 'effect': 'allow', 'actions': ['read'] }, 'd': { 'order': 2, 'effect': 'deny', 'actions': ['read'], 'code': 'inactive' } }", User(), "read", PolicyResource.Of("x"), At(), Denied("d", "inactive") },
        { "the first deny by order is named", "{ 'd1': { 'order': 5, 'effect': 'deny', 'actions': ['*'] }, 'd2': { 'order': 1, 'effect': 'deny', 'actions': ['*'], 'code': 'c2' } }", User(), "read", PolicyResource.Of("x"), At(), Denied("d2", "c2") },
        { "equal orders go by name", "{ 'b': { 'effect': 'allow', 'actions': ['read'] }, 'a': { 'effect': 'allow', 'actions': ['read'] } }", User(), "read", PolicyResource.Of("x"), At(), Allowed("a") },
        { "a deny without code names no code", WithDeny("'d': { 'effect': 'deny', 'actions': ['read'] }"), User(), "read", PolicyResource.Of("x"), At(), Denied("d") },
        { "an allow never carries a code", "{ 'a': { 'effect': 'allow', 'actions': ['read'], 'code': 'ignored' } }", User(), "read", PolicyResource.Of("x"), At(), Allowed("a") },
        { "a deny that does not hold leaves the allow", WithDeny("'d': { 'effect': 'deny', 'actions': ['read'], 'conditions': [" + When("subject.status", "notIn", "'values': ['active']") + "] }"), User(), "read", PolicyResource.Of("x"), At(), Allowed("any") },
        { "every condition must hold", One(When("subject.roles", "contains", "'value': 'user'") + "," + When("subject.permissions", "contains", "'value': 'write:all'")), User(), "read", PolicyResource.Of("x"), At(), PolicyDecision.NoMatch },

        // Subject status.
        { "notIn: a suspended subject is denied", WithDeny("'d': { 'effect': 'deny', 'actions': ['*'], 'conditions': [" + When("subject.status", "notIn", "'values': ['active']") + "] }"), User(status: "suspended"), "read", PolicyResource.Of("x"), At(), Denied("d") },
        { "notIn: an anonymous subject has no status, so is denied", WithDeny("'d': { 'effect': 'deny', 'actions': ['*'], 'conditions': [" + When("subject.status", "notIn", "'values': ['active']") + "] }"), PolicySubject.Anonymous, "read", PolicyResource.Of("x"), At(), Denied("d") },
        { "in: the status is one of them", One(When("subject.status", "in", "'values': ['active', 'pending']")), User(status: "pending"), "read", PolicyResource.Of("x"), At(), Allowed("r") },
        { "equals on the status", One(When("subject.status", "equals", "'value': 'active'")), User(), "read", PolicyResource.Of("x"), At(), Allowed("r") },
        { "notEquals on the status", One(When("subject.status", "notEquals", "'value': 'active'")), User(), "read", PolicyResource.Of("x"), At(), PolicyDecision.NoMatch },

        // Roles and permissions (sets).
        { "contains: all the values", One(When("subject.permissions", "contains", "'values': ['read:own', 'read:all']")), User(permissions: ["read:own", "read:all", "x"]), "read", PolicyResource.Of("x"), At(), Allowed("r") },
        { "contains: one missing", One(When("subject.permissions", "contains", "'values': ['read:own', 'read:all']")), User(), "read", PolicyResource.Of("x"), At(), PolicyDecision.NoMatch },
        { "notContains: the value absent", One(When("subject.permissions", "notContains", "'value': 'admin:users'")), User(), "read", PolicyResource.Of("x"), At(), Allowed("r") },
        { "containsAny: one of them", One(When("subject.roles", "containsAny", "'values': ['admin', 'user']")), User(), "read", PolicyResource.Of("x"), At(), Allowed("r") },
        { "containsAny: none of them", One(When("subject.roles", "containsAny", "'values': ['admin', 'moderator']")), User(), "read", PolicyResource.Of("x"), At(), PolicyDecision.NoMatch },
        { "in on a set: every role listed", One(When("subject.roles", "in", "'values': ['user', 'moderator']")), User(roles: ["user", "moderator"]), "read", PolicyResource.Of("x"), At(), Allowed("r") },
        { "in on an empty set never holds", One(When("subject.roles", "in", "'values': ['user']")), User(roles: []), "read", PolicyResource.Of("x"), At(), PolicyDecision.NoMatch },
        { "subsetOf: the empty set is a subset", One(When("subject.roles", "subsetOf", "'values': ['user']")), User(roles: []), "read", PolicyResource.Of("x"), At(), Allowed("r") },
        { "equals on a set: the same set", One(When("subject.roles", "equals", "'values': ['user', 'moderator']")), User(roles: ["moderator", "user"]), "read", PolicyResource.Of("x"), At(), Allowed("r") },
        { "equals on a set: a superset is not equal", One(When("subject.roles", "equals", "'value': 'user'")), User(roles: ["moderator", "user"]), "read", PolicyResource.Of("x"), At(), PolicyDecision.NoMatch },
        { "values match case-sensitively", One(When("subject.roles", "contains", "'value': 'User'")), User(), "read", PolicyResource.Of("x"), At(), PolicyDecision.NoMatch },
        { "resource.permissions subsetOf subject.permissions: lesser target", WithDeny("'noUp': { 'effect': 'deny', 'actions': ['admin.*'], 'conditions': [" + When("resource.permissions", "notSubsetOf", "'ref': 'subject.permissions'") + "] }"), User(permissions: ["admin:users", "read:own"]), "admin.users.status", new PolicyResource("user", Bob, Set("read:own")), At(), PolicyDecision.NoMatch },
        { "resource.permissions notSubsetOf subject.permissions: greater target", "{ 'a': " + Allow("", "'admin.*'") + ", 'noUp': { 'effect': 'deny', 'actions': ['admin.*'], 'conditions': [" + When("resource.permissions", "notSubsetOf", "'ref': 'subject.permissions'") + "] } }", User(permissions: ["admin:users", "read:own"]), "admin.users.status", new PolicyResource("user", Bob, Set("read:own", "admin:system")), At(), Denied("noUp") },
        { "resource.type as an attribute", One(When("resource.type", "in", "'values': ['profile', 'avatar']")), User(), "read", PolicyResource.Profile(Bob), At(), Allowed("r") },

        // Ownership.
        { "ownership: one's own", One(When("resource.ownerId", "equals", "'ref': 'subject.id'")), User(Alice), "read", PolicyResource.Profile(Alice), At(), Allowed("r") },
        { "ownership: someone else's", One(When("resource.ownerId", "equals", "'ref': 'subject.id'")), User(Alice), "read", PolicyResource.Profile(Bob), At(), PolicyDecision.NoMatch },
        { "ownership never holds between two unknowns", One(When("resource.ownerId", "equals", "'ref': 'subject.id'")), PolicySubject.Anonymous, "read", PolicyResource.Of("report"), At(), PolicyDecision.NoMatch },
        { "notEquals ownership holds for nobody's resource", One(When("resource.ownerId", "notEquals", "'ref': 'subject.id'")), User(Alice), "read", PolicyResource.Of("report"), At(), Allowed("r") },
        { "subject.id against a literal", One(When("subject.id", "equals", $"'value': '{Bob}'")), User(Bob), "read", PolicyResource.Of("x"), At(), Allowed("r") },

        // Verified email.
        { "verified email: verified", One(When("subject.emailVerified", "equals", "'value': 'true'")), User(verified: true), "read", PolicyResource.Of("x"), At(), Allowed("r") },
        { "verified email: unverified", One(When("subject.emailVerified", "equals", "'value': 'true'")), User(verified: false), "read", PolicyResource.Of("x"), At(), PolicyDecision.NoMatch },
        { "unverified denied", WithDeny("'v': { 'effect': 'deny', 'actions': ['read'], 'code': 'email_not_verified', 'conditions': [" + When("subject.emailVerified", "equals", "'value': 'false'") + "] }"), User(verified: false), "read", PolicyResource.Of("x"), At(), Denied("v", "email_not_verified") },
        { "anonymous has no email, verified or not", One(When("subject.emailVerified", "notEquals", "'value': 'true'")), PolicySubject.Anonymous, "read", PolicyResource.Of("x"), At(), Allowed("r") },
        { "anonymous is not 'false' either", One(When("subject.emailVerified", "equals", "'value': 'false'")), PolicySubject.Anonymous, "read", PolicyResource.Of("x"), At(), PolicyDecision.NoMatch },

        // amr: step-up.
        { "step-up: password only is denied", StepUp, User(amr: ["pwd"]), "admin.users.status", PolicyResource.User(Bob), At(), Denied("stepUp", "step_up_required") },
        { "step-up: mfa passes", StepUp, User(amr: ["pwd", "otp", "mfa"]), "admin.users.status", PolicyResource.User(Bob), At(), Allowed("any") },
        { "step-up: otp without mfa is denied", StepUp, User(amr: ["otp"]), "admin.users.status", PolicyResource.User(Bob), At(), Denied("stepUp", "step_up_required") },
        { "step-up: anonymous is denied", StepUp, PolicySubject.Anonymous, "admin.users.status", PolicyResource.User(Bob), At(), Denied("stepUp", "step_up_required") },
        { "step-up: other actions are not concerned", StepUp, User(amr: ["pwd"]), "read", PolicyResource.User(Bob), At(), Allowed("any") },
        { "amr containsAny otp or mfa", One(When("subject.amr", "containsAny", "'values': ['otp', 'mfa']")), User(amr: ["pwd", "otp"]), "read", PolicyResource.Of("x"), At(), Allowed("r") },

        // Client address: IPv4, IPv6, CIDR, IPv4-mapped, single addresses, unknown.
        { "inCidr: IPv4 inside", One(Cidr("inCidr")), User(), "read", PolicyResource.Of("x"), At(ip: "10.1.2.3"), Allowed("r") },
        { "inCidr: IPv4 first address", One(Cidr("inCidr")), User(), "read", PolicyResource.Of("x"), At(ip: "10.0.0.0"), Allowed("r") },
        { "inCidr: IPv4 last address", One(Cidr("inCidr")), User(), "read", PolicyResource.Of("x"), At(ip: "10.255.255.255"), Allowed("r") },
        { "inCidr: IPv4 just outside", One(Cidr("inCidr")), User(), "read", PolicyResource.Of("x"), At(ip: "11.0.0.0"), PolicyDecision.NoMatch },
        { "inCidr: IPv4-mapped IPv6 is the IPv4 address", One(Cidr("inCidr")), User(), "read", PolicyResource.Of("x"), At(ip: "::ffff:10.1.2.3"), Allowed("r") },
        { "inCidr: a rule written as IPv4-mapped IPv6 is its IPv4 range", One(When("context.ip", "inCidr", "'values': ['::ffff:10.0.0.0/104']")), User(), "read", PolicyResource.Of("x"), At(ip: "10.1.2.3"), Allowed("r") },
        { "inCidr: IPv6 inside", One(Cidr("inCidr")), User(), "read", PolicyResource.Of("x"), At(ip: "2001:db8:1::7"), Allowed("r") },
        { "inCidr: IPv6 outside", One(Cidr("inCidr")), User(), "read", PolicyResource.Of("x"), At(ip: "2001:db9::1"), PolicyDecision.NoMatch },
        { "inCidr: a single address", One(Cidr("inCidr")), User(), "read", PolicyResource.Of("x"), At(ip: "192.0.2.10"), Allowed("r") },
        { "inCidr: next to the single address", One(Cidr("inCidr")), User(), "read", PolicyResource.Of("x"), At(ip: "192.0.2.11"), PolicyDecision.NoMatch },
        { "inCidr: an unknown address is in no range", One(Cidr("inCidr")), User(), "read", PolicyResource.Of("x"), At(ip: null), PolicyDecision.NoMatch },
        { "notInCidr: an unknown address is outside every range", One(Cidr("notInCidr")), User(), "read", PolicyResource.Of("x"), At(ip: null), Allowed("r") },
        { "notInCidr: inside", One(Cidr("notInCidr")), User(), "read", PolicyResource.Of("x"), At(ip: "::ffff:10.9.9.9"), PolicyDecision.NoMatch },
        { "notInCidr: outside", One(Cidr("notInCidr")), User(), "read", PolicyResource.Of("x"), At(ip: "203.0.113.7"), Allowed("r") },
        { "context.ip as a literal", One(When("context.ip", "equals", "'value': '203.0.113.7'")), User(), "read", PolicyResource.Of("x"), At(ip: "203.0.113.7"), Allowed("r") },

        // Time windows: start inclusive, end exclusive, across midnight, in their time zone.
        { "between: at the start", One(Hours("between", "09:00", "17:00")), User(), "read", PolicyResource.Of("x"), At("2026-03-04T09:00:00Z"), Allowed("r") },
        { "between: just before the start", One(Hours("between", "09:00", "17:00")), User(), "read", PolicyResource.Of("x"), At("2026-03-04T08:59:59.999Z"), PolicyDecision.NoMatch },
        { "between: just before the end", One(Hours("between", "09:00", "17:00")), User(), "read", PolicyResource.Of("x"), At("2026-03-04T16:59:59.999Z"), Allowed("r") },
        { "between: at the end", One(Hours("between", "09:00", "17:00")), User(), "read", PolicyResource.Of("x"), At("2026-03-04T17:00:00Z"), PolicyDecision.NoMatch },
        { "between across midnight: late", One(Hours("between", "22:00", "06:00")), User(), "read", PolicyResource.Of("x"), At("2026-03-04T23:30:00Z"), Allowed("r") },
        { "between across midnight: at midnight", One(Hours("between", "22:00", "06:00")), User(), "read", PolicyResource.Of("x"), At("2026-03-05T00:00:00Z"), Allowed("r") },
        { "between across midnight: early", One(Hours("between", "22:00", "06:00")), User(), "read", PolicyResource.Of("x"), At("2026-03-04T05:59:00Z"), Allowed("r") },
        { "between across midnight: at the end", One(Hours("between", "22:00", "06:00")), User(), "read", PolicyResource.Of("x"), At("2026-03-04T06:00:00Z"), PolicyDecision.NoMatch },
        { "between across midnight: midday", One(Hours("between", "22:00", "06:00")), User(), "read", PolicyResource.Of("x"), At("2026-03-04T12:00:00Z"), PolicyDecision.NoMatch },
        { "notBetween: outside office hours", One(Hours("notBetween", "09:00", "17:00")), User(), "read", PolicyResource.Of("x"), At("2026-03-04T17:00:00Z"), Allowed("r") },
        { "notBetween: in office hours", One(Hours("notBetween", "09:00", "17:00")), User(), "read", PolicyResource.Of("x"), At("2026-03-04T09:00:00Z"), PolicyDecision.NoMatch },
        { "between in a time zone: 19:00 in Tokyo", One(Hours("between", "09:00", "17:00", "Asia/Tokyo")), User(), "read", PolicyResource.Of("x"), At("2026-03-04T10:00:00Z"), PolicyDecision.NoMatch },
        { "between in a time zone: 10:00 in Tokyo", One(Hours("between", "09:00", "17:00", "Asia/Tokyo")), User(), "read", PolicyResource.Of("x"), At("2026-03-04T01:00:00Z"), Allowed("r") },
        { "an instant's offset does not matter", One(Hours("between", "09:00", "17:00")), User(), "read", PolicyResource.Of("x"), At("2026-03-04T18:00:00+09:00"), Allowed("r") },
        { "Berlin summer time: 08:00 local is 06:00 UTC", One(Hours("between", "08:00", "18:00", "Europe/Berlin")), User(), "read", PolicyResource.Of("x"), At("2026-07-01T06:00:00Z"), Allowed("r") },
        { "Berlin winter time: 06:00 UTC is 07:00 local", One(Hours("between", "08:00", "18:00", "Europe/Berlin")), User(), "read", PolicyResource.Of("x"), At("2026-01-07T06:00:00Z"), PolicyDecision.NoMatch },
        { "context.time equals HH:mm", One(When("context.time", "equals", "'value': '12:00'")), User(), "read", PolicyResource.Of("x"), At("2026-03-04T12:00:59Z"), Allowed("r") },
        { "context.dayOfWeek: a weekday", One(When("context.dayOfWeek", "in", "'values': ['monday', 'tuesday', 'wednesday', 'thursday', 'friday']")), User(), "read", PolicyResource.Of("x"), At(Wednesday), Allowed("r") },
        { "context.dayOfWeek: Saturday", One(When("context.dayOfWeek", "in", "'values': ['monday', 'tuesday', 'wednesday', 'thursday', 'friday']")), User(), "read", PolicyResource.Of("x"), At("2026-03-07T12:00:00Z"), PolicyDecision.NoMatch },
        { "context.dayOfWeek in its time zone: Friday 23:00 UTC is Saturday in Tokyo", One("{ 'attribute': 'context.dayOfWeek', 'operator': 'equals', 'value': 'saturday', 'timeZone': 'Asia/Tokyo' }"), User(), "read", PolicyResource.Of("x"), At("2026-03-06T23:00:00Z"), Allowed("r") },
    };

    private static string StepUp =>
        "{ 'any': " + Allow("", "'*'") + ", 'stepUp': { 'effect': 'deny', 'actions': ['admin.*'], 'code': 'step_up_required', 'conditions': ["
        + When("subject.amr", "notContains", "'value': 'mfa'") + "] } }";

    private static string Cidr(string op) => When("context.ip", op, "'values': ['10.0.0.0/8', '2001:db8::/32', '192.0.2.10']");

    private static string Hours(string op, string from, string to, string? zone = null) =>
        $"{{ 'attribute': 'context.time', 'operator': '{op}', 'values': ['{from}', '{to}']{(zone is null ? "" : $", 'timeZone': '{zone}'")} }}";

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Decides(string @case, string rules, PolicySubject subject, string action, PolicyResource resource, PolicyContext context, PolicyDecision expected)
    {
        var decision = PolicyEvaluator.Evaluate(Rules(rules), subject, action, resource, context);
        Assert.True(expected == decision, $"{@case}: expected {expected}, got {decision}");
    }

    [Fact]
    public void The_table_uses_every_operator_and_every_attribute()
    {
        var text = string.Join('\n', Decisions.Select(row => (string)row[1]));
        Assert.All(PolicySet.Operators, op => Assert.Contains($"'operator': '{op}'", text, StringComparison.Ordinal));
        Assert.All(PolicySet.Attributes, attribute => Assert.Contains($"'{attribute}'", text, StringComparison.Ordinal));
    }

    [Fact]
    public void A_request_value_is_the_same_question()
    {
        var rules = Rules(One(When("resource.ownerId", "equals", "'ref': 'subject.id'")));
        var request = new PolicyRequest(User(Alice), "read", PolicyResource.Profile(Alice), At());
        Assert.Equal(Allowed("r"), PolicyEvaluator.Evaluate(rules, request));
        Assert.Equal(PolicyDecision.NoMatch, PolicyEvaluator.Evaluate(PolicySet.Empty, request));
    }
}
