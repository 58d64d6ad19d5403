using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Authentication.TwoFactor;

/// <summary>Which second factors are on and which is preferred; secrets and code hashes never leave.</summary>
public sealed class TwoFactorPersonalData(WardenDbContext db, AccountViewCache accounts) : IPersonalData
{
    public string Name => "twoFactor";

    public async Task<object?> ExportAsync(Guid userId, CancellationToken cancellationToken)
    {
        var row = await db.TwoFactor.AsNoTracking().SingleOrDefaultAsync(t => t.UserId == userId, cancellationToken);
        var unusedRecoveryCodes = await db.RecoveryCodes.AsNoTracking().CountAsync(c => c.UserId == userId && c.UsedAt == null, cancellationToken);
        return new
        {
            Methods = row?.EnabledMethods() ?? [],
            Preferred = row?.PreferredMethod,
            row?.TotpConfirmedAt,
            UnusedRecoveryCodes = unusedRecoveryCodes,
        };
    }

    public async Task EraseAsync(Guid userId, CancellationToken cancellationToken)
    {
        await db.TwoFactor.Where(t => t.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        accounts.Forget(db, userId);
        await db.RecoveryCodes.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.OneTimeCodes.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
    }
}
