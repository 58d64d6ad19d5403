using System.Globalization;
using System.Net;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Policies;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Pages.Admin;

/// <summary>The tester's question as typed; every field optional (an empty subject asks for someone not signed in).</summary>
public sealed record AccessQuestion(string? Subject, string? Amr, string? Action, string? Resource, string? Owner, string? At, string? Ip);

/// <summary>The tester's answer: the decision, or which field could not be read.</summary>
public sealed record AccessAnswer(PolicyDecision? Decision, string? Error);

/// <summary>A configured rule as the page shows it: the compiled rule and what its configuration says of it.</summary>
public sealed record RuleView(PolicyRule Rule, PolicyRuleOptions Options);

/// <summary>
/// <c>/admin/access</c> (<c>admin:system</c>): the effective access rules (<c>Warden:Authorization:Rules</c>, read-only:
/// they change in configuration) in evaluation order, and "would this be allowed?": the subject's CURRENT roles,
/// permissions and status and the decision by <see cref="AccessPolicy.EvaluateAsync(ClaimsPrincipal, string, PolicyResource, PolicyContext, CancellationToken)"/>,
/// the very call the API's checks make, only with the instant, address and <c>amr</c> given rather than the request's.
/// </summary>
public static class AccessRulePages
{
    public static void Map(RouteGroupBuilder admin) => admin.MapGet("/access", ShowAsync);

    public static readonly IReadOnlyList<string> ResourceTypes =
        [PolicyResourceTypes.User, PolicyResourceTypes.Profile, PolicyResourceTypes.Avatar, PolicyResourceTypes.Settings, PolicyResourceTypes.Role, PolicyResourceTypes.Permission];

    public static async Task<IResult> ShowAsync(
        HttpContext http, AdminArea area, AccessPolicy policy, PolicyRuleSet rules, IOptions<WardenAuthorizationOptions> options,
        WardenDbContext db, TimeProvider time, CancellationToken cancellationToken,
        string? subject = null, string? amr = null, string? action = null, string? resource = null, string? owner = null, string? at = null, string? ip = null)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.AccessRules.Permission);
        if (admin is null)
        {
            return refusal!;
        }

        var question = new AccessQuestion(subject, amr, action, resource, owner, at, ip);
        var asked = !string.IsNullOrWhiteSpace(action);
        var answer = asked ? await AnswerAsync(question, policy, db, time, cancellationToken) : null;
        var views = rules.Rules.Rules
            .Select(r => new RuleView(r, options.Value.Rules.TryGetValue(r.Name, out var o) ? o : new PolicyRuleOptions()))
            .ToList();
        return AdminArea.Page<AccessRulesPage>(area.Frame(http, admin, new Breadcrumb("Admin.Nav.Access")), new()
        {
            [nameof(AccessRulesPage.Rules)] = views,
            [nameof(AccessRulesPage.Question)] = question,
            [nameof(AccessRulesPage.Answer)] = answer,
        }, answer?.Error is null ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity);
    }

    public static async Task<AccessAnswer> AnswerAsync(AccessQuestion question, AccessPolicy policy, WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity());
        if (!string.IsNullOrWhiteSpace(question.Subject))
        {
            if (await UserIdAsync(db, question.Subject, cancellationToken) is not { } subjectId)
            {
                return new AccessAnswer(null, "subject");
            }

            var claims = new List<Claim> { new("sub", subjectId.ToString()) };
            claims.AddRange((question.Amr ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(m => new Claim("amr", m)));
            principal = new ClaimsPrincipal(new ClaimsIdentity(claims, "console-tester", "sub", "roles"));
        }

        var type = string.IsNullOrWhiteSpace(question.Resource) ? PolicyResourceTypes.User : question.Resource.Trim();
        Guid? ownerId = null;
        if (!string.IsNullOrWhiteSpace(question.Owner))
        {
            if (await UserIdAsync(db, question.Owner, cancellationToken) is not { } found)
            {
                return new AccessAnswer(null, "owner");
            }

            ownerId = found;
        }

        var instant = time.GetUtcNow();
        if (!string.IsNullOrWhiteSpace(question.At)
            && !DateTimeOffset.TryParse(question.At, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out instant))
        {
            return new AccessAnswer(null, "at");
        }

        IPAddress? address = null;
        if (!string.IsNullOrWhiteSpace(question.Ip) && !IPAddress.TryParse(question.Ip.Trim(), out address))
        {
            return new AccessAnswer(null, "ip");
        }

        var decision = await policy.EvaluateAsync(principal, question.Action!.Trim(), new PolicyResource(type, ownerId), new PolicyContext(instant, address), cancellationToken);
        return new AccessAnswer(decision, null);
    }

    /// <summary>A user named by id or by email address (exactly, as stored normalized).</summary>
    public static async Task<Guid?> UserIdAsync(WardenDbContext db, string text, CancellationToken cancellationToken)
    {
        text = text.Trim();
        if (Guid.TryParse(text, out var id))
        {
            return await db.Users.AnyAsync(u => u.Id == id, cancellationToken) ? id : null;
        }

        var normalized = text.ToUpperInvariant();
        var found = await db.Users.AsNoTracking().Where(u => u.NormalizedEmail == normalized).Select(u => (Guid?)u.Id).FirstOrDefaultAsync(cancellationToken);
        return found;
    }
}
