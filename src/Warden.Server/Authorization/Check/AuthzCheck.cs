using System.Net;
using Microsoft.AspNetCore.Http.HttpResults;
using Warden.Server.Authorization.Policies;
using Warden.Server.Infrastructure.Http;

namespace Warden.Server.Authorization.Check;

/// <summary>Whom a check is about: only the id is read; attributes sent beside it are ignored (they come from Warden).</summary>
public sealed record AuthzCheckSubject(string? Id);

/// <summary>What is acted on: a type of the service's own (<c>course</c>) and its owner, if it has one.</summary>
public sealed record AuthzCheckResource(string? Type, string? OwnerId);

/// <summary>When and from where the subject acts; the time defaults to now.</summary>
public sealed record AuthzCheckContext(string? Ip, DateTimeOffset? Time);

/// <summary>May <see cref="Subject"/> do <see cref="Action"/> on <see cref="Resource"/> in <see cref="Context"/>? No subject: an anonymous caller.</summary>
public sealed record AuthzCheckRequest(AuthzCheckSubject? Subject, string? Action, AuthzCheckResource? Resource, AuthzCheckContext? Context);

/// <summary>Several questions at once, answered in order.</summary>
public sealed record AuthzCheckBatchRequest(IReadOnlyList<AuthzCheckRequest?>? Checks);

/// <summary>The answer: allowed or not, and a denying rule's problem code when it names one (e.g. <c>step_up_required</c>).</summary>
public sealed record AuthzDecision(bool Allowed, string? Code);

public sealed record AuthzBatchDecision(IReadOnlyList<AuthzDecision> Results);

/// <summary>
/// <c>POST /api/v1/authz/check</c> and <c>/check/batch</c>: the access rules asked from outside, for services not written
/// in .NET (those in .NET evaluate the same rules locally through Warden.Client.AspNetCore). The caller is a service
/// (<see cref="CheckCallers"/>); the question is answered by <see cref="AccessPolicy"/>, the engine and subject
/// loading Warden's own checks use, so the two can never disagree.
/// <para>
/// The subject's roles, permissions, status and verified email are read from Warden's database, never from the
/// request: otherwise a caller could forge them, and the answer would be the caller's opinion. Its <c>amr</c> is
/// empty (only a token knows how a user signed in), so a rule that asks for a second factor denies here.
/// </para>
/// <para>
/// An unknown subject id is answered as an account with no roles, permissions, status or verified email would be,
/// with the same shape and no rule name: the answer tells the caller what the rules decide, never whether the id
/// exists. A service that wants to know whether a user exists has no business asking this endpoint.
/// </para>
/// </summary>
public static class AuthzCheck
{
    /// <summary>The most questions one batch may ask.</summary>
    public const int MaxBatch = 100;

    private const int MaxActionLength = 200;
    private const int MaxTypeLength = 100;

    public static RouteGroupBuilder MapAuthzCheckEndpoints(this RouteGroupBuilder authz)
    {
        // Callers are services with a client-credentials token, authenticated here rather than by the user scheme.
        authz.WithTags("Access checks").AllowAnonymous();
        authz.MapPost("/check", CheckAsync).WithName("CheckAccess")
            .WithSummary("May this user do this action on this resource? (client-credentials token with the authz:check scope)");
        authz.MapPost("/check/batch", CheckBatchAsync).WithName("CheckAccessBatch")
            .WithSummary($"Up to {MaxBatch} checks at once, answered in order.");
        return authz;
    }

    public static async Task<Results<Ok<AuthzDecision>, ProblemHttpResult>> CheckAsync(
        AuthzCheckRequest request, HttpContext http, CheckCallers callers, AccessPolicy policy, TimeProvider time)
    {
        if ((await callers.AuthenticateAsync(http)).Refusal is { } refusal)
        {
            return refusal;
        }

        var errors = new Dictionary<string, string[]>();
        var question = Read(request, "", time.GetUtcNow(), errors);
        if (question is null)
        {
            return ApiProblems.ValidationProblem(errors);
        }

        return TypedResults.Ok(await DecideAsync(policy, question, http.RequestAborted));
    }

    public static async Task<Results<Ok<AuthzBatchDecision>, ProblemHttpResult>> CheckBatchAsync(
        AuthzCheckBatchRequest request, HttpContext http, CheckCallers callers, AccessPolicy policy, TimeProvider time)
    {
        if ((await callers.AuthenticateAsync(http)).Refusal is { } refusal)
        {
            return refusal;
        }

        if (request.Checks is not { Count: > 0 and <= MaxBatch } checks)
        {
            return ApiProblems.ValidationProblem("checks", $"Between 1 and {MaxBatch} checks.");
        }

        // Everything is read before anything is evaluated: one bad question refuses the batch, naming each mistake.
        var errors = new Dictionary<string, string[]>();
        var now = time.GetUtcNow();
        var questions = checks.Select((c, i) => c is null ? Fail(errors, $"checks[{i}]", "A check is an object.") : Read(c, $"checks[{i}].", now, errors)).ToList();
        if (errors.Count > 0)
        {
            return ApiProblems.ValidationProblem(errors);
        }

        var results = new List<AuthzDecision>(questions.Count);
        foreach (var question in questions)
        {
            results.Add(await DecideAsync(policy, question!, http.RequestAborted));
        }

        return TypedResults.Ok(new AuthzBatchDecision(results));
    }

    private sealed record Question(Guid? SubjectId, string Action, PolicyResource Resource, PolicyContext Context);

    private static async Task<AuthzDecision> DecideAsync(AccessPolicy policy, Question q, CancellationToken cancellationToken)
    {
        var decision = await policy.EvaluateAsync(q.SubjectId, [], q.Action, q.Resource, q.Context, cancellationToken);
        // No rule name: it would tell a caller which rule matched, e.g. the one for accounts that are not active.
        return new AuthzDecision(decision.IsAllowed, decision.IsAllowed ? null : decision.Code);
    }

    private static Question? Read(AuthzCheckRequest request, string prefix, DateTimeOffset now, Dictionary<string, string[]> errors)
    {
        var before = errors.Count;
        Guid? subjectId = null;
        if (request.Subject is { } subject)
        {
            if (Guid.TryParse(subject.Id, out var id))
            {
                subjectId = id;
            }
            else
            {
                errors[prefix + "subject.id"] = ["The subject's id is a user id (a UUID); leave the subject out for an anonymous caller."];
            }
        }

        if (string.IsNullOrWhiteSpace(request.Action) || request.Action.Length > MaxActionLength)
        {
            errors[prefix + "action"] = [$"The action is required (at most {MaxActionLength} characters), e.g. courses.edit."];
        }

        if (request.Resource is not { Type: { Length: > 0 and <= MaxTypeLength } type } || string.IsNullOrWhiteSpace(type))
        {
            errors[prefix + "resource.type"] = [$"The resource type is required (at most {MaxTypeLength} characters), e.g. course."];
        }

        Guid? ownerId = null;
        if (request.Resource?.OwnerId is { } owner)
        {
            if (Guid.TryParse(owner, out var parsed))
            {
                ownerId = parsed;
            }
            else
            {
                errors[prefix + "resource.ownerId"] = ["The owner is a user id (a UUID)."];
            }
        }

        IPAddress? ip = null;
        if (request.Context?.Ip is { } text)
        {
            // The rules' own reading of an address: a single address, not a range, not 10.1 for 10.0.0.1.
            if (!text.Contains('/', StringComparison.Ordinal) && IpNetworks.TryParse(text, out var network))
            {
                ip = network.BaseAddress;
            }
            else
            {
                errors[prefix + "context.ip"] = ["The client address is an IPv4 or IPv6 address."];
            }
        }

        if (errors.Count > before)
        {
            return null;
        }

        // Resource permissions are never taken from the caller: for a user, AccessPolicy reads that user's own.
        return new Question(subjectId, request.Action!.Trim(), new PolicyResource(request.Resource!.Type!.Trim(), ownerId),
            new PolicyContext(request.Context?.Time ?? now, ip));
    }

    private static Question? Fail(Dictionary<string, string[]> errors, string field, string message)
    {
        errors[field] = [message];
        return null;
    }
}
