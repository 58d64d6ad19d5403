using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authorization;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;

namespace Warden.Server.Audit;

public sealed record AuditEntryView(
    Guid Id,
    DateTimeOffset OccurredAt,
    string Action,
    string Outcome,
    Guid? ActorId,
    Guid? SubjectId,
    string? IpAddress,
    string? UserAgent,
    JsonElement Details);

public sealed record AuditPage(IReadOnlyList<AuditEntryView> Items, int Page, int Size, int Total);

/// <summary>
/// <c>GET /api/v1/admin/audit</c>: the audit log, newest first, filtered and paged (permission <c>admin:users</c>);
/// <c>GET /api/v1/admin/audit/verify</c>: the chain's verification (permission <c>admin:system</c>).
/// </summary>
public static class AuditEndpoints
{
    public const int MaxPageSize = 100;

    public static RouteGroupBuilder MapAuditEndpoints(this RouteGroupBuilder audit)
    {
        audit.MapGet("", ListAsync)
            .WithTags("Administration")
            .WithName("ListAuditEntries")
            .WithSummary("Audit entries, newest first.")
            .WithDescription("Filters: userId (subject or actor), type (an action such as login.failed, or a prefix such as login.*), " +
                             "from (inclusive) and to (exclusive) as ISO 8601 instants; page from 1, size 1..100.")
            .RequireAuthorization(PermissionPolicies.AdminUsers);
        audit.MapGet("/verify", VerifyAsync)
            .WithTags("Administration")
            .WithName("VerifyAuditChain")
            .WithSummary("Verify the audit log's hash chain.")
            .WithDescription("Recomputes every link of the chain and answers whether it is intact, how many entries it holds, its head, " +
                             "and else the sequence number of the first broken link and why. head (optional) is a published head, " +
                             "<sequence>:<hash>: the log must still reach it with that hash, which detects deleted newest entries.")
            .RequireAuthorization(PermissionPolicies.AdminSystem);
        return audit;
    }

    public static async Task<Results<Ok<AuditPage>, ValidationProblem>> ListAsync(
        WardenDbContext db,
        CancellationToken cancellationToken,
        string? userId = null,
        string? type = null,
        string? from = null,
        string? to = null,
        string? page = null,
        string? size = null)
    {
        var errors = new Dictionary<string, string[]>();
        var pageNumber = ParseInt(page, 1, "page", 1, int.MaxValue / MaxPageSize, errors);
        var pageSize = ParseInt(size, 20, "size", 1, MaxPageSize, errors);
        Guid? user = null;
        if (!string.IsNullOrEmpty(userId))
        {
            if (Guid.TryParse(userId, out var parsed))
            {
                user = parsed;
            }
            else
            {
                errors["userId"] = ["userId must be a user id (UUID)."];
            }
        }

        var fromInstant = ParseInstant(from, "from", errors);
        var toInstant = ParseInstant(to, "to", errors);
        if (fromInstant is not null && toInstant is not null && fromInstant > toInstant)
        {
            errors["to"] = ["to must not be before from."];
        }

        if (type is { Length: > 100 })
        {
            errors["type"] = ["type is at most 100 characters."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        var query = db.AuditLog.AsNoTracking();
        if (user is { } id)
        {
            query = query.Where(e => e.SubjectId == id || e.ActorId == id);
        }

        if (!string.IsNullOrEmpty(type))
        {
            if (type.EndsWith('*'))
            {
                var prefix = type.TrimEnd('*');
                query = query.Where(e => e.Action.StartsWith(prefix));
            }
            else
            {
                query = query.Where(e => e.Action == type);
            }
        }

        if (fromInstant is { } f)
        {
            query = query.Where(e => e.OccurredAt >= f);
        }

        if (toInstant is { } t)
        {
            query = query.Where(e => e.OccurredAt < t);
        }

        var total = await query.CountAsync(cancellationToken);
        var rows = await query
            .OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Id)
            .Skip((pageNumber - 1) * pageSize)
            .Take(pageSize)
            .ToListAsync(cancellationToken);
        var items = rows.Select(e => new AuditEntryView(
            e.Id, e.OccurredAt, e.Action, e.Outcome, e.ActorId, e.SubjectId, e.IpAddress, e.UserAgent,
            JsonDocument.Parse(e.PersonalDetails ?? e.Details).RootElement.Clone())).ToList();
        return TypedResults.Ok(new AuditPage(items, pageNumber, pageSize, total));
    }

    private static async Task<Results<Ok<AuditVerification>, ValidationProblem>> VerifyAsync(
        WardenDbContext db, CancellationToken cancellationToken, string? head = null)
    {
        AuditHeadView? expected = null;
        if (!string.IsNullOrEmpty(head) && !AuditHeadView.TryParse(head, out expected))
        {
            return ApiProblems.Validation(new Dictionary<string, string[]>
            {
                ["head"] = ["head must be <sequence>:<hash>, the hash being 64 hexadecimal digits, as the published head is written."],
            });
        }

        return TypedResults.Ok(await AuditVerifier.VerifyAsync(db, expected, cancellationToken));
    }

    internal static int ParseInt(string? value, int fallback, string field, int min, int max, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return fallback;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max)
        {
            return number;
        }

        errors[field] = [$"{field} must be a whole number from {min} to {max}."];
        return fallback;
    }

    private static DateTimeOffset? ParseInstant(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
        {
            return instant.ToUniversalTime();
        }

        errors[field] = [$"{field} must be an ISO 8601 date or instant, such as 2026-01-31T12:00:00Z."];
        return null;
    }
}
