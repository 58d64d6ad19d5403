using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;

namespace Warden.Server.Passwords;

/// <summary>
/// Remembers a user's recent passwords (as their stored hashes) so that none of the last
/// <see cref="PasswordPolicyOptions.HistoryCount"/> can be chosen again. "The last N" counts the current
/// password, which lives in <c>users.password_hash</c>, so only the N - 1 before it are kept here: an old
/// hash is material for an attacker who steals the database, and none is kept longer than the rule needs.
/// </summary>
public sealed class PasswordHistory(WardenDbContext db, IPasswordHasher<User> hasher, IOptions<PasswordPolicyOptions> options, TimeProvider time)
{
    private int KeptEntries => Math.Max(options.Value.HistoryCount - 1, 0);

    /// <summary>True when the candidate is the current password or one of the previous ones still remembered.</summary>
    public async Task<bool> IsReusedAsync(User user, string candidate, CancellationToken cancellationToken = default)
    {
        if (options.Value.HistoryCount == 0)
        {
            return false;
        }

        var hashes = new List<string>();
        if (user.PasswordHash is not null)
        {
            hashes.Add(user.PasswordHash);
        }

        if (KeptEntries > 0)
        {
            hashes.AddRange(await db.Set<PasswordHistoryEntry>()
                .Where(h => h.UserId == user.Id)
                .OrderByDescending(h => h.Id)
                .Take(KeptEntries)
                .Select(h => h.PasswordHash)
                .ToListAsync(cancellationToken));
        }

        // Verified with the registered hasher, whatever format each hash is in (old hashes may predate an
        // algorithm change). A match that "needs rehash" is still a match.
        return hashes.Any(hash => hasher.VerifyHashedPassword(user, hash, candidate) != PasswordVerificationResult.Failed);
    }

    /// <summary>
    /// Adds the user's current hash to the history without saving, so it is written by the same SaveChanges
    /// that replaces the password (Identity's store saves the user) and exists exactly when the change does.
    /// </summary>
    internal PasswordHistoryEntry? Stage(User user)
    {
        if (user.PasswordHash is null || KeptEntries == 0)
        {
            return null;
        }

        var entry = new PasswordHistoryEntry { UserId = user.Id, PasswordHash = user.PasswordHash, CreatedAt = time.GetUtcNow() };
        db.Add(entry);
        return entry;
    }

    /// <summary>Forgets a staged entry when the change it belonged to did not happen.</summary>
    internal void Unstage(PasswordHistoryEntry? entry)
    {
        if (entry is not null)
        {
            db.Entry(entry).State = EntityState.Detached;
        }
    }

    /// <summary>Deletes what the rule no longer needs: everything but the user's newest N - 1 entries.</summary>
    public async Task TrimAsync(Guid userId, CancellationToken cancellationToken = default)
    {
        var entries = db.Set<PasswordHistoryEntry>().Where(h => h.UserId == userId);
        if (KeptEntries == 0)
        {
            await entries.ExecuteDeleteAsync(cancellationToken);
            return;
        }

        var oldestKept = await entries.OrderByDescending(h => h.Id).Skip(KeptEntries - 1).Select(h => (long?)h.Id).FirstOrDefaultAsync(cancellationToken);
        if (oldestKept is { } id)
        {
            await entries.Where(h => h.Id < id).ExecuteDeleteAsync(cancellationToken);
        }
    }
}
