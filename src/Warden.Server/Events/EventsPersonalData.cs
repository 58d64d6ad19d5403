using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Events;

/// <summary>Events about the user still held in the outbox (delivered ones are kept for the retention period).</summary>
public sealed class EventsPersonalData(WardenDbContext db) : IPersonalData
{
    public string Name => "events";

    public async Task<object?> ExportAsync(Guid userId, CancellationToken cancellationToken)
    {
        var rows = await db.OutboxMessages.AsNoTracking()
            .Where(m => m.Subject == userId)
            .OrderBy(m => m.OccurredAt)
            .Select(m => new { m.Id, m.Type, m.OccurredAt, m.Data })
            .ToListAsync(cancellationToken);
        return rows.Select(m =>
        {
            using var data = JsonDocument.Parse(m.Data);
            return new { m.Id, m.Type, m.OccurredAt, Data = data.RootElement.Clone() };
        }).ToList();
    }

    // Events keep their type, time and ids; their addresses, names, IP addresses and user agents go.
    public Task EraseAsync(Guid userId, CancellationToken cancellationToken) => OutboxRedaction.RedactAsync(db, userId, cancellationToken);
}
