using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Passwords;

/// <summary>When the password was changed (the history's hashes are secrets and never leave), and the reminders sent.</summary>
public sealed class PasswordPersonalData(WardenDbContext db) : IPersonalData
{
    public string Name => "passwordChanges";

    public async Task<object?> ExportAsync(Guid userId, CancellationToken cancellationToken) =>
        await db.PasswordHistory.AsNoTracking().Where(h => h.UserId == userId).OrderBy(h => h.CreatedAt)
            .Select(h => h.CreatedAt).ToListAsync(cancellationToken);

    public async Task EraseAsync(Guid userId, CancellationToken cancellationToken)
    {
        await db.PasswordHistory.Where(h => h.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.PasswordExpiryReminders.Where(r => r.UserId == userId).ExecuteDeleteAsync(cancellationToken);
    }
}
