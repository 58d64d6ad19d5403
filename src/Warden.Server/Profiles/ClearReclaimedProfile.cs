using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Profiles;

/// <summary>
/// <c>user.registration_reclaimed</c> → the profile starts empty: the names (and anything else) in it were
/// entered by whoever registered the address, not by its owner, who has just taken the account over. Changes
/// are left unsaved; the dispatcher saves them with the completion record, so this happens once.
/// </summary>
public sealed class ClearReclaimedProfile(WardenDbContext db, ProfileCache cache, TimeProvider time) : IAtomicEventHandler
{
    private static readonly string[] ClearedFields =
        ["fullName", "firstName", "lastName", "bio", "avatarUrl", "timezone", "locale", "phoneNumber", "phoneVerified", "preferences"];

    public string Name => "profiles.clear-reclaimed";

    public bool CanHandle(string eventType) => eventType == EventTypes.RegistrationReclaimed;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        if (message.Subject is not { } userId)
        {
            return;
        }

        var now = time.GetUtcNow();
        var profile = await db.Profiles.SingleOrDefaultAsync(p => p.UserId == userId, cancellationToken);
        if (profile is null)
        {
            // Not made yet: an empty one now, so the pending user.registered handler finds it and adds no names.
            db.Profiles.Add(new UserProfile { UserId = userId, CreatedAt = now, UpdatedAt = now });
            db.AddEvent(EventTypes.ProfileCreated, userId, new { userId }, now);
            return;
        }

        profile.FullName = null;
        profile.FirstName = null;
        profile.LastName = null;
        profile.Bio = null;
        profile.AvatarUrl = null;
        profile.Timezone = null;
        profile.Locale = null;
        profile.PhoneNumberProtected = null;
        profile.PhoneVerified = false;
        profile.Preferences = "{}";
        profile.UpdatedAt = now;
        profile.Version++;
        await db.PhoneVerifications.Where(v => v.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        db.AddEvent(EventTypes.ProfileUpdated, userId, new
        {
            userId,
            fields = ClearedFields,
        }, now);
        cache.Invalidate(userId);
    }
}
