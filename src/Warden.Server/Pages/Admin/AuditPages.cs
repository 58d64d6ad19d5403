using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Audit;
using Warden.Server.Authorization;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Pages.Admin;

/// <summary>
/// The audit page's filters as typed: actor and subject by email or id, a type (<c>login.*</c> for a prefix), days
/// from and to (both inclusive, UTC) and an address; <see cref="Page"/> from 1.
/// </summary>
public sealed record AuditQuery(string? Actor, string? Subject, string? Type, string? From, string? To, string? Ip, int Page)
{
    public bool Filtered => new[] { Actor, Subject, Type, From, To, Ip }.Any(v => !string.IsNullOrWhiteSpace(v));

    /// <summary>This query's address on <paramref name="path"/>, at <paramref name="page"/>.</summary>
    public string Link(string path, int? page = null)
    {
        var parts = new (string Name, string? Value)[]
        {
            ("actor", Actor), ("subject", Subject), ("type", Type), ("from", From), ("to", To), ("ip", Ip),
            ("page", page is > 1 ? page.Value.ToString(CultureInfo.InvariantCulture) : null),
        }.Where(p => !string.IsNullOrWhiteSpace(p.Value)).Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value!.Trim()));
        var query = string.Join("&", parts);
        return query.Length == 0 ? path : path + "?" + query;
    }
}

/// <summary>
/// <c>/admin/audit</c> (<c>admin:users</c>, as <c>GET /api/v1/admin/audit</c>): the log through that route's own query
/// (<see cref="AuditEndpoints.ListAsync"/>, so the same filters and pages), an entry's detail, the CSV export of the same
/// filter (<see cref="AuditCsv"/>) and, for <c>admin:system</c>, the chain's verification (<see cref="AuditEndpoints.VerifyAsync"/>).
/// </summary>
public static class AuditPages
{
    public const int PageSize = 50;

    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/audit", ListAsync);
        admin.MapGet("/audit/export.csv", AuditCsv.ExportAsync);
        admin.MapGet("/audit/verify", VerifyAsync);
        admin.MapGet("/audit/{id:guid}", ShowAsync);
    }

    public static async Task<IResult> ListAsync(
        HttpContext http, AdminArea area, WardenDbContext db, CancellationToken cancellationToken,
        string? actor = null, string? subject = null, string? type = null, string? from = null, string? to = null, string? ip = null, string? page = null)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Audit.Permission);
        if (admin is null)
        {
            return refusal!;
        }

        var number = int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and < 1_000_000 ? n : 1;
        var query = new AuditQuery(actor, subject, type, from, to, ip, number);
        var (result, errors) = await SearchAsync(query, db, number.ToString(CultureInfo.InvariantCulture), PageSize.ToString(CultureInfo.InvariantCulture), cancellationToken);
        var entries = result ?? new AuditPage([], number, PageSize, 0);
        return AdminArea.Page<AuditLogPage>(area.Frame(http, admin, new Breadcrumb("Admin.Nav.Audit")), new()
        {
            [nameof(AuditLogPage.Query)] = query,
            [nameof(AuditLogPage.Entries)] = entries,
            [nameof(AuditLogPage.Emails)] = await EmailsAsync(db, entries.Items, cancellationToken),
            [nameof(AuditLogPage.Errors)] = errors,
        }, errors.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity);
    }

    public static async Task<IResult> ShowAsync(Guid id, HttpContext http, AdminArea area, WardenDbContext db, CancellationToken cancellationToken)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Audit.Permission);
        if (admin is null)
        {
            return refusal!;
        }

        if (await db.AuditLog.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, cancellationToken) is not { } entry)
        {
            return area.NotFound(http, admin);
        }

        var view = AuditFilter.View(entry);
        return AdminArea.Page<AuditEntryPage>(area.Frame(http, admin, new Breadcrumb("Admin.Nav.Audit", AdminSections.Audit.Path), new Breadcrumb(view.Action, Literal: true)), new()
        {
            [nameof(AuditEntryPage.Entry)] = view,
            [nameof(AuditEntryPage.Sequence)] = entry.Sequence,
            [nameof(AuditEntryPage.Hash)] = entry.Hash,
            [nameof(AuditEntryPage.Emails)] = await EmailsAsync(db, [view], cancellationToken),
        });
    }

    public static async Task<IResult> VerifyAsync(HttpContext http, AdminArea area, WardenDbContext db, CancellationToken cancellationToken, string? head = null)
    {
        var (admin, refusal) = await area.EnterAsync(http, PermissionNames.AdminSystem);
        if (admin is null)
        {
            return refusal!;
        }

        var result = (await AuditEndpoints.VerifyAsync(db, cancellationToken, string.IsNullOrWhiteSpace(head) ? null : head.Trim())).Result;
        return AdminArea.Page<AuditVerifyPage>(
            area.Frame(http, admin, new Breadcrumb("Admin.Nav.Audit", AdminSections.Audit.Path), new Breadcrumb("Admin.Audit.Verify")), new()
            {
                [nameof(AuditVerifyPage.Result)] = result is Ok<AuditVerification> { Value: { } verification } ? verification : null,
                [nameof(AuditVerifyPage.Head)] = head,
            }, result is Ok<AuditVerification> ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity);
    }

    /// <summary>
    /// The typed filter as the API's: an email becomes the user's id (none found: nothing matches), days become instants
    /// (the "to" day included). Errors are keyed by the page's field names.
    /// </summary>
    public static async Task<(AuditFilter? Filter, Dictionary<string, string[]> Errors)> FilterAsync(AuditQuery query, WardenDbContext db, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var actor = await IdOfAsync(query.Actor, "actor", db, errors, cancellationToken);
        var subject = await IdOfAsync(query.Subject, "subject", db, errors, cancellationToken);
        var filter = AuditFilter.Parse(null, actor, subject, query.Type?.Trim(), Day(query.From, 0), Day(query.To, 1), query.Ip, errors);
        return (errors.Count == 0 ? filter : null, errors);
    }

    private static async Task<(AuditPage? Page, Dictionary<string, string[]> Errors)> SearchAsync(
        AuditQuery query, WardenDbContext db, string page, string size, CancellationToken cancellationToken)
    {
        var (filter, errors) = await FilterAsync(query, db, cancellationToken);
        if (filter is null)
        {
            return (null, errors);
        }

        var result = (await AuditEndpoints.ListAsync(db, cancellationToken, type: filter.Type, from: Instant(filter.From), to: Instant(filter.To), page: page, size: size,
            actorId: filter.Actor?.ToString(), subjectId: filter.Subject?.ToString(), ip: filter.Address)).Result;
        return result switch
        {
            Ok<AuditPage> { Value: { } found } => (found, errors),
            ValidationProblem invalid => (null, new Dictionary<string, string[]>(invalid.ProblemDetails.Errors)),
            _ => (null, errors),
        };
    }

    public static async Task<IReadOnlyDictionary<Guid, string>> EmailsAsync(WardenDbContext db, IEnumerable<AuditEntryView> entries, CancellationToken cancellationToken)
    {
        var ids = entries.SelectMany(e => new[] { e.ActorId, e.SubjectId }).OfType<Guid>().Distinct().ToList();
        return await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id) && u.Email != null).ToDictionaryAsync(u => u.Id, u => u.Email!, cancellationToken);
    }

    /// <summary>An id typed, or the id of the user with that email; an email nobody has becomes an id nobody has, so nothing matches.</summary>
    private static async Task<string?> IdOfAsync(string? text, string field, WardenDbContext db, Dictionary<string, string[]> errors, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        if (Guid.TryParse(text, out var id))
        {
            return id.ToString();
        }

        if (!text.Contains('@', StringComparison.Ordinal) || text.Length > 256)
        {
            errors[field] = ["An email address or a user id."];
            return null;
        }

        var normalized = text.ToUpperInvariant();
        var found = await db.Users.AsNoTracking().Where(u => u.NormalizedEmail == normalized).Select(u => (Guid?)u.Id).FirstOrDefaultAsync(cancellationToken);
        return (found ?? Guid.Empty).ToString();
    }

    private static string? Day(string? text, int plusDays) =>
        DateOnly.TryParseExact(text?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day.AddDays(plusDays).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00Z"
            : string.IsNullOrWhiteSpace(text) ? null : text;

    private static string? Instant(DateTimeOffset? instant) => instant?.ToString("O", CultureInfo.InvariantCulture);
}
