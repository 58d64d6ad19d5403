using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Audit;

/// <summary>
/// <c>user.deleted</c> → the erased user's entries (as subject or actor) lose their personal fields. Entries that
/// arrive later are stored scrubbed by <see cref="RecordAuditEntry"/>, and the retention job sweeps recent
/// erasures again, so the order in which the events are handled does not matter.
/// </summary>
public sealed class EraseAuditPersonalData(WardenDbContext db) : IEventHandler
{
    public string Name => "audit.erase-personal-data";

    public bool CanHandle(string eventType) => eventType == EventTypes.UserDeleted;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var userId = message.Subject ?? JsonSerializer.Deserialize<Subject>(message.Data, JsonSerializerOptions.Web)?.UserId;
        if (userId is { } id)
        {
            await ScrubAsync(db, id, cancellationToken);
        }
    }

    /// <summary>Scrubs every entry of the user; idempotent. Saves as it goes (in pages, for users with long histories).</summary>
    public static async Task<int> ScrubAsync(WardenDbContext db, Guid userId, CancellationToken cancellationToken)
    {
        var scrubbed = 0;
        while (true)
        {
            // Scrubbing is idempotent and removes no rows, so plain offset paging visits each entry once.
            var page = await db.AuditLog
                .Where(e => e.SubjectId == userId || e.ActorId == userId)
                .OrderBy(e => e.Id)
                .Skip(scrubbed)
                .Take(500)
                .ToListAsync(cancellationToken);
            if (page.Count == 0)
            {
                return scrubbed;
            }

            page.ForEach(AuditScrubber.Scrub);
            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
            scrubbed += page.Count;
        }
    }

    private sealed record Subject(Guid UserId);
}
