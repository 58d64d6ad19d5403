using Warden.Server.Authorization;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Profiles;

public enum ProfileOperation
{
    Read,
    Write,
}

/// <summary>
/// Who may read or change whose profile: the owner, and holders of <c>read:all</c> / <c>write:all</c> (checked
/// against the caller's current roles in the database, not the token's possibly stale claims). The one
/// place to swap for the ABAC policy service.
/// </summary>
public static class ProfileAccess
{
    public static async Task<bool> AllowsAsync(WardenDbContext db, Guid callerId, Guid ownerId, ProfileOperation operation, CancellationToken cancellationToken)
    {
        if (callerId == ownerId)
        {
            return true;
        }

        var access = await AccessSnapshot.LoadAsync(db, callerId, cancellationToken);
        // Whoever may change any profile may also read it: a change needs the current state to be sensible.
        return access.Permissions.Contains(PermissionNames.WriteAll, StringComparer.Ordinal)
               || (operation == ProfileOperation.Read && access.Permissions.Contains(PermissionNames.ReadAll, StringComparer.Ordinal));
    }
}
