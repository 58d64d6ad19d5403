using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authorization;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Administration;

public sealed record CreateIpRuleRequest(string? Action, string? Network, string? Note, bool? ConfirmSelfLockout);

/// <summary>A rule: stored (<c>source: api</c>, with an id) or from configuration (<c>source: configuration</c>, no id).</summary>
public sealed record IpRuleView(Guid? Id, string Action, string Network, string Source, string? Note, DateTimeOffset? CreatedAt, Guid? CreatedBy);

public sealed record IpBlockView(Guid Id, string Network, string Reason, int Failures, int Identifiers, DateTimeOffset BlockedAt, DateTimeOffset ExpiresAt);

/// <summary>
/// IP allow and deny rules and the automatic blocks (<c>/api/v1/admin/ip-rules</c>, permission <c>admin:system</c>).
/// Every change writes its event (the acting administrator is added to it by the request origin) and reloads the
/// rules on this node at once and, with Redis, on the others (else within <c>Warden:IpRules:RefreshInterval</c>). A change that would refuse
/// the caller's own address needs <c>confirmSelfLockout</c> (<c>confirm=true</c> on a removal): the way back is then
/// the command line (<c>warden ip-rules lift</c>).
/// </summary>
public static class IpRuleEndpoints
{
    public static RouteGroupBuilder MapIpRuleEndpoints(this RouteGroupBuilder rules)
    {
        rules.WithTags("IP rules").RequireAuthorization(PermissionPolicies.AdminSystem);
        rules.MapGet("", ListAsync).WithName("ListIpRules").WithSummary("Allow and deny rules, from configuration and stored.");
        rules.MapPost("", CreateAsync).WithName("CreateIpRule")
            .WithSummary("Allow or deny an address or CIDR range; one that would refuse the caller needs confirmSelfLockout.");
        rules.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteIpRule")
            .WithSummary("Remove a stored rule; a removal that would refuse the caller needs confirm=true.");
        rules.MapGet("/blocks", ListBlocksAsync).WithName("ListIpBlocks").WithSummary("Automatic blocks in force (credential stuffing).");
        rules.MapDelete("/blocks/{id:guid}", LiftBlockAsync).WithName("LiftIpBlock").WithSummary("Lift an automatic block before its time.");
        return rules;
    }

    public static async Task<Ok<List<IpRuleView>>> ListAsync(WardenDbContext db, IOptions<IpRulesOptions> options, CancellationToken cancellationToken)
    {
        var configured = options.Value.Allow.Select(n => (IpRuleAction.Allow, n)).Concat(options.Value.Deny.Select(n => (IpRuleAction.Deny, n)))
            .Select(c => new IpRuleView(null, IpRuleLift.Wire(c.Item1), IpNetworks.TryParse(c.n, out var range) ? range.ToString() : c.n,
                "configuration", null, null, null));
        var stored = await db.IpRules.AsNoTracking().OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(configured.Concat(stored.Select(View)).ToList());
    }

    public static async Task<Results<Created<IpRuleView>, ProblemHttpResult, ValidationProblem>> CreateAsync(
        CreateIpRuleRequest request, ClaimsPrincipal principal, HttpContext http, WardenDbContext db, IpRuleCache cache, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        IpRuleAction? action = request.Action switch { "allow" => IpRuleAction.Allow, "deny" => IpRuleAction.Deny, _ => null };
        if (action is null)
        {
            errors["action"] = ["The action is allow or deny."];
        }

        if (!IpNetworks.TryParse(request.Network, out var range))
        {
            errors["network"] = ["An IPv4 or IPv6 address, or a CIDR range with its host bits zero (203.0.113.0/24, 2001:db8::/48)."];
        }

        var note = string.IsNullOrWhiteSpace(request.Note) ? null : request.Note.Trim();
        if (note is { Length: > 500 } || (note is not null && note.Any(char.IsControl)))
        {
            errors["note"] = ["The note is at most 500 printable characters."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        var network = range.ToString();
        if (await db.IpRules.AnyAsync(r => r.Network == network && r.Action == action!.Value, cancellationToken))
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.Conflict, $"There is already a {request.Action} rule for {network}.");
        }

        var current = await cache.RefreshAsync(cancellationToken);
        var confirmed = request.ConfirmSelfLockout == true;
        if (SelfLockout(current.With(action!.Value, range), http.Connection.RemoteIpAddress, confirmed) is { } refused)
        {
            return refused;
        }

        var now = time.GetUtcNow();
        var rule = new IpRule { Action = action.Value, Network = network, Note = note, CreatedAt = now, CreatedBy = principal.UserId() };
        db.IpRules.Add(rule);
        db.AddEvent(EventTypes.IpRuleCreated, null, new
        {
            ruleId = rule.Id, action = IpRuleLift.Wire(rule.Action), network, note, selfLockoutConfirmed = confirmed && current.With(rule.Action, range).Refuses(http.Connection.RemoteIpAddress),
        }, now);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.Conflict, $"There is already a {request.Action} rule for {network}.");
        }

        await cache.ChangedAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/admin/ip-rules/{rule.Id}", View(rule));
    }

    public static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> DeleteAsync(
        Guid id, HttpContext http, WardenDbContext db, IpRuleCache cache, TimeProvider time, CancellationToken cancellationToken, string? confirm = null)
    {
        if (confirm is not (null or "true" or "false"))
        {
            return ApiProblems.Validation("confirm", "confirm is true or false.");
        }

        var rule = await db.IpRules.SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (rule is null)
        {
            return ApiProblems.NotFound("No such IP rule.");
        }

        // Removing an allow rule can expose the caller to a deny rule it was an exception to.
        if (IpNetworks.TryParse(rule.Network, out var range)
            && SelfLockout((await cache.RefreshAsync(cancellationToken)).Without(rule.Action, range), http.Connection.RemoteIpAddress, confirm == "true") is { } refused)
        {
            return refused;
        }

        IpRuleLift.RemoveRule(db, rule, IpRuleLift.FromApi, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        await cache.ChangedAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<List<IpBlockView>>> ListBlocksAsync(WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var blocks = await db.IpBlocks.AsNoTracking().Where(b => b.ExpiresAt > now).ToListAsync(cancellationToken);
        return TypedResults.Ok(blocks.OrderByDescending(b => b.BlockedAt).ThenBy(b => b.Id)
            .Select(b => new IpBlockView(b.Id, b.Network, b.Reason, b.Failures, b.Identifiers, b.BlockedAt, b.ExpiresAt)).ToList());
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> LiftBlockAsync(
        Guid id, WardenDbContext db, IpRuleCache cache, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var block = await db.IpBlocks.SingleOrDefaultAsync(b => b.Id == id && b.ExpiresAt > now, cancellationToken);
        if (block is null)
        {
            return ApiProblems.NotFound("No such automatic block in force.");
        }

        await IpRuleLift.LiftBlockAsync(db, block, IpRuleLift.FromApi, now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await cache.ChangedAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>A 409 when the rules after the change refuse the caller's own address and the caller has not confirmed.</summary>
    private static ProblemHttpResult? SelfLockout(IpRuleSet after, IPAddress? caller, bool confirmed) =>
        confirmed || caller is null || !after.Refuses(caller) ? null
        : ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.SelfLockout,
            "This change would refuse your own address.",
            $"Requests from {IpNetworks.Normalize(caller)} would be refused, this session's included. Repeat it with confirmSelfLockout " +
            "(confirm=true on a removal) to apply it anyway; `warden ip-rules lift` on the server undoes it.");

    private static IpRuleView View(IpRule r) => new(r.Id, IpRuleLift.Wire(r.Action), r.Network, "api", r.Note, r.CreatedAt, r.CreatedBy);
}
