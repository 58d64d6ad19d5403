using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Users;

namespace Warden.Server.Profiles;

/// <summary>A profile as the API shows it (docs/api.md, GET /api/v1/users/profile).</summary>
public sealed record ProfileView(
    Guid UserId,
    string? FullName,
    string? FirstName,
    string? LastName,
    string? Bio,
    string? AvatarUrl,
    string? Timezone,
    string? Locale,
    string? PhoneNumber,
    bool PhoneVerified,
    JsonElement Preferences,
    DateTimeOffset UpdatedAt)
{
    /// <summary>
    /// The profile as <paramref name="viewerId"/> may see it. The phone number receives second-factor codes and
    /// reset messages: only its owner sees it, never a moderator or an administrator reading or changing the
    /// profile (they see whether it is verified, as the administrators' user view shows).
    /// </summary>
    public ProfileView SeenBy(Guid viewerId) => viewerId == UserId ? this : this with { PhoneNumber = null };
}

/// <summary>
/// Reads profiles through <see cref="ProfileCache"/>. A user whose profile row does not exist yet (the
/// <c>user.registered</c> handler has not run) is answered from defaults without writing anything: a read
/// never races that handler's insert. The first update creates the row (<see cref="ProfileRows"/>).
/// </summary>
public sealed class ProfileReader(WardenDbContext db, ProfileCache cache, SecretProtector protector)
{
    /// <summary>The profile of an existing, not erased user; null otherwise.</summary>
    public async Task<ProfileView?> GetAsync(Guid userId, CancellationToken cancellationToken) =>
        await cache.GetOrLoadAsync(userId, async ct =>
        {
            var row = await db.Users.AsNoTracking()
                .Where(u => u.Id == userId && u.Status != UserStatus.Deleted)
                // Filtered by the parameter as well as by u.Id: without it SQLite, which has no LATERAL join, numbered
                // every profile to keep this user's (AccountViewCache.LoadForTokenAsync says more).
                .Select(u => new { u.CreatedAt, Profile = db.Profiles.FirstOrDefault(p => p.UserId == userId && p.UserId == u.Id) })
                .SingleOrDefaultAsync(ct);
            return row is null ? null : row.Profile is { } profile ? From(profile) : Default(userId, row.CreatedAt);
        }, cancellationToken);

    public ProfileView From(UserProfile profile)
    {
        using var preferences = JsonDocument.Parse(profile.Preferences);
        return new ProfileView(
            profile.UserId,
            profile.FullName,
            profile.FirstName,
            profile.LastName,
            profile.Bio,
            profile.AvatarUrl,
            profile.Timezone,
            profile.Locale,
            profile.PhoneNumberProtected is { } number ? protector.Unprotect(SecretKind.PhoneNumber, number) : null,
            profile.PhoneVerified,
            preferences.RootElement.Clone(),
            profile.UpdatedAt);
    }

    private static ProfileView Default(Guid userId, DateTimeOffset createdAt)
    {
        using var empty = JsonDocument.Parse("{}");
        return new ProfileView(userId, null, null, null, null, null, null, null, null, false, empty.RootElement.Clone(), createdAt);
    }
}

/// <summary>Loads a profile row for changing it, adding a new one (saved with the change) when it is missing.</summary>
public static class ProfileRows
{
    /// <summary>The tracked profile of an existing, not erased user (a new empty one if missing); null when there is no such user.</summary>
    public static async Task<UserProfile?> LoadForUpdateAsync(WardenDbContext db, Guid userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!await db.Users.AnyAsync(u => u.Id == userId && u.Status != UserStatus.Deleted, cancellationToken))
        {
            return null;
        }

        // A user without a row has the default profile. The row is added to the unit of work, not saved: a request
        // refused later must leave nothing behind. If the registration handler inserts it meanwhile, the caller's
        // save fails on the key and its retry loads that row.
        var profile = await db.Profiles.SingleOrDefaultAsync(p => p.UserId == userId, cancellationToken);
        if (profile is null)
        {
            profile = new UserProfile { UserId = userId, CreatedAt = now, UpdatedAt = now };
            db.Profiles.Add(profile);
        }

        return profile;
    }
}
