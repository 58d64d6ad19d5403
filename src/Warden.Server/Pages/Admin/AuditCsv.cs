using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Audit;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Pages.Admin;

/// <summary>
/// <c>/admin/audit/export.csv</c>: the entries the audit page's filter selects (the same <see cref="AuditFilter"/> as the
/// API's list), newest first, streamed row by row so a large log never sits in memory. Safe to open in a spreadsheet:
/// every cell is quoted, and a cell a spreadsheet would read as a formula (starting with <c>= + - @</c>, a tab or a
/// carriage return, e.g. a user agent or a typed name written by whoever signed in) gets a leading apostrophe.
/// </summary>
public static class AuditCsv
{
    public static readonly string[] Header = ["occurredAt", "action", "outcome", "actorId", "subjectId", "ip", "userAgent", "details"];

    public static async Task<IResult> ExportAsync(
        HttpContext http, AdminArea area, WardenDbContext db, TimeProvider time, CancellationToken cancellationToken,
        string? actor = null, string? subject = null, string? type = null, string? from = null, string? to = null, string? ip = null)
    {
        var (admin, refusal) = await area.EnterAsync(http, AdminSections.Audit.Permission);
        if (admin is null)
        {
            return refusal!;
        }

        var query = new AuditQuery(actor, subject, type, from, to, ip, 1);
        var (filter, _) = await AuditPages.FilterAsync(query, db, cancellationToken);
        if (filter is null)
        {
            return Pages.Layout.PageResults.SeeOther(AdminArea.WithFlash(query.Link(AdminSections.Audit.Path), "problem", "validation_failed"));
        }

        var rows = AuditFilter.Newest(filter.Apply(db.AuditLog.AsNoTracking())).AsAsyncEnumerable();
        var name = "audit-" + time.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + ".csv";
        return Results.Stream(async body =>
        {
            await using var writer = new StreamWriter(body, new UTF8Encoding(false), 16 * 1024);
            await writer.WriteAsync(Line(Header));
            await foreach (var entry in rows.WithCancellation(cancellationToken))
            {
                var view = AuditFilter.View(entry);
                await writer.WriteAsync(Line(
                [
                    view.OccurredAt.ToString("O", CultureInfo.InvariantCulture), view.Action, view.Outcome, view.ActorId?.ToString(),
                    view.SubjectId?.ToString(), view.IpAddress, view.UserAgent, view.Details.GetRawText(),
                ]));
            }
        }, "text/csv; charset=utf-8", name);
    }

    public static string Line(IEnumerable<string?> cells) => string.Join(",", cells.Select(Cell)) + "\r\n";

    /// <summary>One quoted cell; a would-be formula is defused with a leading apostrophe.</summary>
    public static string Cell(string? value)
    {
        value ??= "";
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
