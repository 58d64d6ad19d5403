using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Authentication.Sessions;

/// <summary>
/// <c>user.logged_out</c> → the user's last activity (<c>users.last_active_at</c>) is the sign-out, unless a later
/// request already moved it on. A conditional update, run by the dispatcher in its transaction, so it happens once.
/// </summary>
public sealed class RecordLogoutActivity(WardenDbContext db, AccountViewCache accounts) : IAtomicEventHandler
{
    public string Name => "sessions.logout_activity";

    public bool CanHandle(string eventType) => eventType == EventTypes.UserLoggedOut;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        if (message.Subject is not { } userId)
        {
            return;
        }

        var at = message.OccurredAt;
        if (await db.Users.Where(u => u.Id == userId && (u.LastActiveAt == null || u.LastActiveAt < at))
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.LastActiveAt, at), cancellationToken) > 0)
        {
            accounts.Forget(db, userId); // after the dispatcher's transaction commits
        }
    }
}
