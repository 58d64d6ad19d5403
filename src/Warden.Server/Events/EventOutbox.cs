using System.Text.Json;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Events;

public static class EventOutbox
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Adds an event to the unit of work: it is saved, and later delivered, only if the caller's
    /// SaveChanges (and transaction) commits.
    /// </summary>
    public static OutboxMessage AddEvent(this WardenDbContext db, string type, Guid? subject, object data, DateTimeOffset occurredAt)
    {
        var message = new OutboxMessage
        {
            Type = type,
            Subject = subject,
            Data = JsonSerializer.Serialize(data, Json),
            OccurredAt = occurredAt,
        };
        db.OutboxMessages.Add(message);
        return message;
    }
}
