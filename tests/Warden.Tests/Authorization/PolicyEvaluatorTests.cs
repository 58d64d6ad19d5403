using System.Net;
using Warden.Server.Authorization.Policies;
using Warden.Server.Infrastructure.Http;

namespace Warden.Tests.Authorization;

public sealed class PolicyEvaluatorTests
{
    private static readonly Guid Alice = Guid.CreateVersion7();
    private static readonly Guid Bob = Guid.CreateVersion7();
    private static readonly DateTimeOffset Noon = new(2026, 3, 4, 12, 0, 0, TimeSpan.Zero); // a Wednesday

    private static PolicyConditionOptions When(string attribute, string op, string? value = null, string[]? values = null, string? @ref = null, string? zone = null) =>
        new() { Attribute = attribute, Operator = op, Value = value, Values = [.. values ?? []], Ref = @ref, TimeZone = zone };

    private static PolicyRuleOptions Rule(string effect, string action, params PolicyConditionOptions[] conditions) =>
        new() { Effect = effect, Actions = [action], Conditions = [.. conditions] };

    private static IReadOnlyList<PolicyRule> Compile(params (string Name, PolicyRuleOptions Rule)[] rules)
    {
        var errors = new List<string>();
        var compiled = PolicyRuleCompiler.Compile(rules.ToDictionary(r => r.Name, r => r.Rule), errors);
        Assert.Empty(errors);
        return compiled;
    }

    private static PolicySubject Subject(Guid id, string[]? permissions = null, string[]? amr = null, string status = "active") =>
        new(id, new HashSet<string> { "user" }, new HashSet<string>(permissions ?? ["read:own"]), status, true, new HashSet<string>(amr ?? ["pwd"]));

    private static PolicyRequest Request(PolicySubject subject, string action, PolicyResource resource, DateTimeOffset? time = null, string? ip = "203.0.113.7") =>
        new(subject, action, resource, new PolicyContext(time ?? Noon, ip is null ? null : IPAddress.Parse(ip)));

    private static readonly (string, PolicyRuleOptions)[] SourceRules =
    [
        ("readOwn", Rule("allow", "read", When("resource.ownerId", "equals", @ref: "subject.id"), When("subject.permissions", "contains", "read:own"))),
        ("readAll", Rule("allow", "read", When("subject.permissions", "contains", "read:all"))),
    ];

    [Fact]
    public void OwnDataNeedsReadOwnAndAnyonesNeedsReadAll()
    {
        var rules = Compile(SourceRules);
        Assert.True(PolicyEvaluator.Evaluate(rules, Request(Subject(Alice), "read", PolicyResource.Profile(Alice))).IsAllowed);
        Assert.False(PolicyEvaluator.Evaluate(rules, Request(Subject(Alice), "read", PolicyResource.Profile(Bob))).IsAllowed);
        Assert.False(PolicyEvaluator.Evaluate(rules, Request(Subject(Alice, []), "read", PolicyResource.Profile(Alice))).IsAllowed);
        var moderator = Subject(Alice, ["read:own", "read:all"]);
        Assert.Equal("readAll", PolicyEvaluator.Evaluate(rules, Request(moderator, "read", PolicyResource.Profile(Bob))).Rule);
    }

    [Fact]
    public void NothingMatchingDenies()
    {
        var rules = Compile(SourceRules);
        var decision = PolicyEvaluator.Evaluate(rules, Request(Subject(Alice), "write", PolicyResource.Profile(Alice)));
        Assert.False(decision.IsAllowed);
        Assert.Null(decision.Rule);
        Assert.False(PolicyEvaluator.Evaluate([], Request(Subject(Alice), "read", PolicyResource.Profile(Alice))).IsAllowed);
    }

    [Fact]
    public void DenyWinsOverAllowWhateverTheOrder()
    {
        var allow = Rule("allow", "read", When("subject.permissions", "contains", "read:own"));
        allow.Order = 1;
        var deny = Rule("deny", "read", When("subject.status", "notIn", values: ["active"]));
        deny.Order = 2;
        deny.Code = "inactive";
        var rules = Compile(("allowFirst", allow), ("denyLater", deny));

        var decision = PolicyEvaluator.Evaluate(rules, Request(Subject(Alice, status: "suspended"), "read", PolicyResource.Profile(Alice)));
        Assert.Equal(new PolicyDecision(false, "denyLater", "inactive"), decision);
        Assert.True(PolicyEvaluator.Evaluate(rules, Request(Subject(Alice), "read", PolicyResource.Profile(Alice))).IsAllowed);
    }

    [Fact]
    public void AnOwnerConditionNeverHoldsBetweenTwoUnknowns()
    {
        var rules = Compile(SourceRules);
        var anonymous = PolicySubject.Anonymous with { Permissions = new HashSet<string> { "read:own" } };
        Assert.False(PolicyEvaluator.Evaluate(rules, Request(anonymous, "read", PolicyResource.Of("report"))).IsAllowed);
    }

    [Fact]
    public void StepUpDeniesAdministrationWithoutASecondFactor()
    {
        var rules = Compile(
            ("admin", Rule("allow", "admin.*", When("subject.permissions", "contains", "admin:users"))),
            ("stepUp", new PolicyRuleOptions { Effect = "deny", Actions = ["admin.*"], Code = ProblemCodes.StepUpRequired, Conditions = [When("subject.amr", "notContains", "mfa")] }));
        var admin = Subject(Alice, ["admin:users"]);
        var withMfa = Subject(Alice, ["admin:users"], ["pwd", "otp", "mfa"]);

        Assert.Equal(new PolicyDecision(false, "stepUp", ProblemCodes.StepUpRequired), PolicyEvaluator.Evaluate(rules, Request(admin, "admin.users.status", PolicyResource.User(Bob))));
        Assert.True(PolicyEvaluator.Evaluate(rules, Request(withMfa, "admin.users.status", PolicyResource.User(Bob))).IsAllowed);
        Assert.False(PolicyEvaluator.Evaluate(rules, Request(withMfa, "administer", PolicyResource.User(Bob))).IsAllowed); // "admin.*" is not a prefix of it
    }

    [Theory]
    [InlineData("09:00", "17:00", 12, 0, true)]
    [InlineData("09:00", "17:00", 17, 0, false)] // the end is exclusive
    [InlineData("09:00", "17:00", 8, 59, false)]
    [InlineData("22:00", "06:00", 23, 30, true)] // across midnight
    [InlineData("22:00", "06:00", 5, 59, true)]
    [InlineData("22:00", "06:00", 12, 0, false)]
    public void TimeWindowsAreHonoured(string from, string to, int hour, int minute, bool allowed)
    {
        var rules = Compile(("hours", Rule("allow", "read", When("context.time", "between", values: [from, to]))));
        var at = new DateTimeOffset(2026, 3, 4, hour, minute, 0, TimeSpan.Zero);
        Assert.Equal(allowed, PolicyEvaluator.Evaluate(rules, Request(Subject(Alice), "read", PolicyResource.Profile(Alice), at)).IsAllowed);
    }

    [Fact]
    public void TimeWindowsUseTheirTimeZone()
    {
        var rules = Compile(("hours", Rule("allow", "read", When("context.time", "between", values: ["09:00", "17:00"], zone: "Asia/Tokyo"))));
        var tenUtc = new DateTimeOffset(2026, 3, 4, 10, 0, 0, TimeSpan.Zero); // 19:00 in Tokyo
        var oneUtc = new DateTimeOffset(2026, 3, 4, 1, 0, 0, TimeSpan.Zero); // 10:00 in Tokyo
        Assert.False(PolicyEvaluator.Evaluate(rules, Request(Subject(Alice), "read", PolicyResource.Profile(Alice), tenUtc)).IsAllowed);
        Assert.True(PolicyEvaluator.Evaluate(rules, Request(Subject(Alice), "read", PolicyResource.Profile(Alice), oneUtc)).IsAllowed);
    }

    [Theory]
    [InlineData("10.1.2.3", false)]
    [InlineData("::ffff:10.1.2.3", false)] // IPv4 mapped into IPv6 is the same address
    [InlineData("192.168.1.1", true)]
    [InlineData(null, true)] // an unknown address is outside every range
    public void AdministrationOutsideTheOfficeNetworkIsDenied(string? ip, bool denied)
    {
        var rules = Compile(
            ("admin", Rule("allow", "admin.*", When("subject.permissions", "contains", "admin:users"))),
            ("office", Rule("deny", "admin.*", When("context.ip", "notInCidr", values: ["10.0.0.0/8", "2001:db8::/32"]))));
        var decision = PolicyEvaluator.Evaluate(rules, Request(Subject(Alice, ["admin:users"]), "admin.users.read", PolicyResource.Of("user"), ip: ip));
        Assert.Equal(!denied, decision.IsAllowed);
    }

    [Fact]
    public void TheTargetsPermissionsCanBeComparedWithTheSubjects()
    {
        var rules = Compile(
            ("admin", Rule("allow", "admin.*", When("subject.permissions", "contains", "admin:users"))),
            ("noUp", Rule("deny", "admin.*", When("resource.permissions", "notSubsetOf", @ref: "subject.permissions"))));
        var helpdesk = Subject(Alice, ["admin:users", "read:own"]);
        var lesser = new PolicyResource("user", Bob, new HashSet<string> { "read:own" });
        var greater = new PolicyResource("user", Bob, new HashSet<string> { "read:own", "admin:system" });
        Assert.True(PolicyEvaluator.Evaluate(rules, Request(helpdesk, "admin.users.status", lesser)).IsAllowed);
        Assert.Equal("noUp", PolicyEvaluator.Evaluate(rules, Request(helpdesk, "admin.users.status", greater)).Rule);
    }

    [Fact]
    public void ResourceTypesAndActionWildcardsNarrowARule()
    {
        var rule = Rule("allow", "*", When("subject.roles", "containsAny", values: ["user", "admin"]));
        rule.ResourceType = "profile";
        var rules = Compile(("profiles", rule));
        Assert.True(PolicyEvaluator.Evaluate(rules, Request(Subject(Alice), "anything", PolicyResource.Profile(Bob))).IsAllowed);
        Assert.False(PolicyEvaluator.Evaluate(rules, Request(Subject(Alice), "anything", PolicyResource.User(Bob))).IsAllowed);
    }

    [Fact]
    public void DisabledRulesDoNotCount()
    {
        var deny = Rule("deny", "read", When("subject.permissions", "contains", "read:own"));
        deny.Enabled = false;
        var rules = Compile(("readOwn", SourceRules[0].Item2), ("off", deny));
        Assert.True(PolicyEvaluator.Evaluate(rules, Request(Subject(Alice), "read", PolicyResource.Profile(Alice))).IsAllowed);
    }

    [Fact]
    public void MistakesInRulesAreReportedWithTheirConfigurationKeys()
    {
        var errors = new List<string>();
        PolicyRuleCompiler.Compile(new Dictionary<string, PolicyRuleOptions>
        {
            ["bad"] = new()
            {
                Effect = "permit",
                Actions = [],
                Conditions =
                [
                    When("subject.shoeSize", "equals", "42"),
                    When("subject.amr", "resembles", "mfa"),
                    When("context.time", "between", values: ["9am", "5pm"]),
                    When("context.ip", "inCidr", values: ["not-a-network"]),
                    When("subject.id", "equals"),
                    When("context.time", "between", values: ["09:00", "17:00"], zone: "Mars/Olympus"),
                ],
            },
        }, errors);
        Assert.Contains(errors, e => e.StartsWith("Warden:Authorization:Rules:bad:Effect", StringComparison.Ordinal));
        errors.Clear();
        PolicyRuleCompiler.Compile(new Dictionary<string, PolicyRuleOptions>
        {
            ["bad"] = new()
            {
                Effect = "allow",
                Actions = [],
                Conditions =
                [
                    When("subject.shoeSize", "equals", "42"),
                    When("subject.amr", "resembles", "mfa"),
                    When("context.time", "between", values: ["9am", "5pm"]),
                    When("context.ip", "inCidr", values: ["not-a-network"]),
                    When("subject.id", "equals"),
                    When("context.time", "between", values: ["09:00", "17:00"], zone: "Mars/Olympus"),
                ],
            },
        }, errors);
        Assert.Contains(errors, e => e.StartsWith("Warden:Authorization:Rules:bad:Actions", StringComparison.Ordinal));
        for (var i = 0; i < 6; i++)
        {
            Assert.Contains(errors, e => e.StartsWith($"Warden:Authorization:Rules:bad:Conditions:{i}", StringComparison.Ordinal));
        }
    }
}
