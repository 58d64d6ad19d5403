using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;

namespace Warden.Server.Profiles;

/// <summary>
/// <c>user.registered</c> → the default profile (the source documents' Profile service), then
/// <c>profile.created</c>. Both are left unsaved: the dispatcher saves them with the record that this
/// handler completed, so they happen exactly once.
/// </summary>
public sealed class CreateDefaultProfile(WardenDbContext db, TimeProvider time) : IEventHandler
{
    public string Name => "profiles.create-default";

    public bool CanHandle(string eventType) => eventType == EventTypes.UserRegistered;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.Deserialize<Registered>(message.Data, JsonSerializerOptions.Web)!;
        // An account erased before this ran gets no profile back (erasure also blanked the names in this event).
        if (await db.Profiles.AnyAsync(p => p.UserId == data.UserId, cancellationToken)
            || !await db.Users.AnyAsync(u => u.Id == data.UserId && u.Status != UserStatus.Deleted, cancellationToken))
        {
            return;
        }

        var now = time.GetUtcNow();
        db.Profiles.Add(new UserProfile
        {
            UserId = data.UserId,
            FullName = data.FullName ?? Notifications.AccountMailer.NameOf(null, data.FirstName, data.LastName),
            FirstName = data.FirstName,
            LastName = data.LastName,
            CreatedAt = now,
            UpdatedAt = now,
        });
        db.AddEvent(EventTypes.ProfileCreated, data.UserId, new { userId = data.UserId }, now);
    }

    private sealed record Registered(Guid UserId, string? FullName, string? FirstName, string? LastName);
}
