using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Authentication.Tokens;

/// <summary>Emailed links (verification, reset, email change, invitation): what they were for and when, never the token.</summary>
public sealed class AccountTokenPersonalData(WardenDbContext db) : IPersonalData
{
    public string Name => "accountTokens";

    public async Task<object?> ExportAsync(Guid userId, CancellationToken cancellationToken) =>
        await db.AccountTokens.AsNoTracking().Where(t => t.UserId == userId).OrderBy(t => t.CreatedAt)
            .Select(t => new { t.Purpose, t.Data, t.CreatedAt, t.ExpiresAt, t.ConsumedAt })
            .ToListAsync(cancellationToken);

    public Task EraseAsync(Guid userId, CancellationToken cancellationToken) =>
        db.AccountTokens.Where(t => t.UserId == userId).ExecuteDeleteAsync(cancellationToken);
}
