using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;

namespace Warden.Server.Audit;

/// <summary>
/// Every event → one audit entry. Events are by design the state changes others care about (sign-ins and
/// their failures, second factors, password and email changes, sessions, roles, status, erasure, admin actions),
/// so auditing all of them means an event added by any module is audited without touching this one. The entry
/// is appended to the chain inside the dispatcher's transaction (<see cref="IAtomicEventHandler"/>) and saved with
/// this handler's completion, exactly once; a failed delivery rolls back the head too, so no number is skipped.
/// </summary>
public sealed class RecordAuditEntry(WardenDbContext db) : IAtomicEventHandler
{
    /// <summary>
    /// Where this handler's last append left the head. The dispatcher hands a batch of events to one handler in one
    /// transaction; after the first, each append is then one statement (<see cref="AuditChain.AppendAsync(WardenDbContext, AuditEntry, AuditChain.Head?, CancellationToken)"/>).
    /// </summary>
    private AuditChain.Head? _head;

    public string Name => "audit.record";

    public bool CanHandle(string eventType) => true;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var entry = FromEvent(message);
        var people = new[] { entry.SubjectId, entry.ActorId }.OfType<Guid>().ToList();
        var erased = people.Count > 0
                     && await db.Users.AnyAsync(u => people.Contains(u.Id) && u.Status == UserStatus.Deleted, cancellationToken);
        _head = await AuditChain.AppendAsync(db, entry, _head, cancellationToken);

        // Order-independent erasure: an event that arrives after its user was erased is stored without its
        // personal part (sealed first, so it is chained like any erased entry).
        if (erased)
        {
            AuditScrubber.Scrub(entry);
        }
    }

    public static AuditEntry FromEvent(OutboxMessage message)
    {
        var details = JsonNode.Parse(message.Data) as JsonObject ?? [];
        var entry = new AuditEntry
        {
            EventId = message.Id,
            OccurredAt = message.OccurredAt,
            SubjectId = message.Subject,
            Action = message.Type,
            Outcome = IsFailure(message.Type) ? AuditOutcomes.Failure : AuditOutcomes.Success,
            ActorId = TakeGuid(details, "actorId"),
            IpAddress = Truncate(TakeString(details, "ipAddress"), 64),
            UserAgent = Truncate(TakeString(details, "userAgent"), 512),
        };

        if (entry.ActorId == entry.SubjectId)
        {
            entry.ActorId = null;
        }

        // The subject column already says who; the same id again in the details is noise.
        if (entry.SubjectId is { } subject && TakeGuid(details, "userId") is { } userId && userId != subject)
        {
            details["userId"] = userId;
        }

        entry.PersonalDetails = details.ToJsonString(JsonSerializerOptions.Web);
        entry.Details = AuditScrubber.ScrubDetails(entry.PersonalDetails);
        return entry;
    }

    private static bool IsFailure(string type) =>
        type.EndsWith(".failed", StringComparison.Ordinal) || type.EndsWith("_failed", StringComparison.Ordinal);

    private static string? TakeString(JsonObject details, string name)
    {
        if (!details.Remove(name, out var node) || node is not JsonValue value)
        {
            return null;
        }

        return value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;
    }

    private static Guid? TakeGuid(JsonObject details, string name) =>
        Guid.TryParse(TakeString(details, name), out var id) ? id : null;

    private static string? Truncate(string? value, int length) => value is { Length: var n } && n > length ? value[..length] : value;
}
