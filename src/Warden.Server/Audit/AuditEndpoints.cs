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
            .WithDescription("Filters: userId (subject or actor), actorId, subjectId, ip (the client address), type (an action such as login.failed, or a prefix such as login.*), " +
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
        string? size = null,
        string? actorId = null,
        string? subjectId = null,
        string? ip = null)
    {
        var errors = new Dictionary<string, string[]>();
        var pageNumber = ParseInt(page, 1, "page", 1, int.MaxValue / MaxPageSize, errors);
        var pageSize = ParseInt(size, 20, "size", 1, MaxPageSize, errors);
        var filter = AuditFilter.Parse(userId, actorId, subjectId, type, from, to, ip, errors);
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        var query = filter.Apply(db.AuditLog.AsNoTracking());
        var total = await query.CountAsync(cancellationToken);
        var rows = await AuditFilter.Newest(query)
            .Skip((pageNumber - 1) * pageSize)
            .Take(pageSize)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new AuditPage([.. rows.Select(AuditFilter.View)], pageNumber, pageSize, total));
    }

    public static async Task<Results<Ok<AuditVerification>, ValidationProblem>> VerifyAsync(
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
}
