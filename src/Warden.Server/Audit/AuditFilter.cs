using System.Globalization;
using System.Text.Json;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Audit;

/// <summary>
/// Which audit entries a reader asks for, shared by <c>GET /api/v1/admin/audit</c>, the console's audit page and its
/// CSV export, so all three select the same entries: a user (as actor or subject), an actor, a subject, a type (an
/// action, or a prefix ending in <c>*</c>), from (inclusive) and to (exclusive), and the client address.
/// </summary>
public sealed record AuditFilter(Guid? User, Guid? Actor, Guid? Subject, string? Type, DateTimeOffset? From, DateTimeOffset? To, string? Address)
{
    /// <summary>Reads the filter's wire form; each unreadable field is added to <paramref name="errors"/> under its name.</summary>
    public static AuditFilter Parse(
        string? userId, string? actorId, string? subjectId, string? type, string? from, string? to, string? ip, Dictionary<string, string[]> errors)
    {
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

        if (ip is { Length: > 64 })
        {
            errors["ip"] = ["ip is at most 64 characters."];
        }

        return new AuditFilter(
            ParseId(userId, "userId", errors), ParseId(actorId, "actorId", errors), ParseId(subjectId, "subjectId", errors),
            string.IsNullOrEmpty(type) ? null : type, fromInstant, toInstant, string.IsNullOrWhiteSpace(ip) ? null : ip.Trim());
    }

    /// <summary>The entries this filter selects, not yet ordered.</summary>
    public IQueryable<AuditEntry> Apply(IQueryable<AuditEntry> query)
    {
        if (User is { } user)
        {
            query = query.Where(e => e.SubjectId == user || e.ActorId == user);
        }

        if (Actor is { } actor)
        {
            query = query.Where(e => e.ActorId == actor);
        }

        if (Subject is { } subject)
        {
            query = query.Where(e => e.SubjectId == subject);
        }

        if (Type is { } type)
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

        if (From is { } from)
        {
            query = query.Where(e => e.OccurredAt >= from);
        }

        if (To is { } to)
        {
            query = query.Where(e => e.OccurredAt < to);
        }

        if (Address is { } address)
        {
            query = query.Where(e => e.IpAddress == address);
        }

        return query;
    }

    /// <summary>Newest first, as every reader of the log shows it.</summary>
    public static IOrderedQueryable<AuditEntry> Newest(IQueryable<AuditEntry> query) =>
        query.OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Id);

    /// <summary>An entry as readers see it: the personal part while it exists, else the public part.</summary>
    public static AuditEntryView View(AuditEntry e) => new(
        e.Id, e.OccurredAt, e.Action, e.Outcome, e.ActorId, e.SubjectId, e.IpAddress, e.UserAgent,
        JsonDocument.Parse(e.PersonalDetails ?? e.Details).RootElement.Clone());

    private static Guid? ParseId(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (Guid.TryParse(value, out var parsed))
        {
            return parsed;
        }

        errors[field] = [$"{field} must be a user id (UUID)."];
        return null;
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
