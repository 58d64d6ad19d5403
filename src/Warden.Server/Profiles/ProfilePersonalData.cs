using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Profiles.Avatars;
using Warden.Server.Profiles.Settings;

namespace Warden.Server.Profiles;

/// <summary>The profile (with its avatar), the settings and the phone numbers sent codes.</summary>
public sealed class ProfilePersonalData(WardenDbContext db, ProfileReader profiles, ProfileCache cache, Authentication.AccountViewCache accounts, IAvatarStorage avatars) : IPersonalData
{
    private string? _erasedAvatarUrl;

    public string Name => "profile";

    public async Task<object?> ExportAsync(Guid userId, CancellationToken cancellationToken) =>
        await profiles.GetAsync(userId, cancellationToken);

    public async Task EraseAsync(Guid userId, CancellationToken cancellationToken)
    {
        _erasedAvatarUrl = await db.Profiles.Where(p => p.UserId == userId).Select(p => p.AvatarUrl).FirstOrDefaultAsync(cancellationToken);
        await db.Profiles.Where(p => p.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        accounts.Forget(db, userId);
        // Every image the user uploaded, also those no profile points at any more (a refused or overtaken upload).
        await db.Avatars.Where(a => a.UserId == userId).ExecuteDeleteAsync(cancellationToken);
    }

    public async Task AfterErasureAsync(Guid userId, CancellationToken cancellationToken)
    {
        cache.Invalidate(userId);
        // Only now: an image deleted for a rolled-back erasure would leave a profile with a broken one (another storage).
        await avatars.DeleteReplacedAsync(_erasedAvatarUrl, null, cancellationToken);
    }
}

public sealed class SettingsPersonalData(WardenDbContext db) : IPersonalData
{
    public string Name => "settings";

    public async Task<object?> ExportAsync(Guid userId, CancellationToken cancellationToken)
    {
        var settings = await db.UserSettings.AsNoTracking().SingleOrDefaultAsync(s => s.UserId == userId, cancellationToken) ?? new UserSettings { UserId = userId };
        return SettingsView.From(settings, await SettingsEndpoints.PreferredSecondFactorAsync(db, userId, cancellationToken));
    }

    public Task EraseAsync(Guid userId, CancellationToken cancellationToken) =>
        db.UserSettings.Where(s => s.UserId == userId).ExecuteDeleteAsync(cancellationToken);
}

public sealed class PhonePersonalData(WardenDbContext db, SecretProtector protector) : IPersonalData
{
    public string Name => "phoneVerifications";

    public async Task<object?> ExportAsync(Guid userId, CancellationToken cancellationToken)
    {
        var rows = await db.PhoneVerifications.AsNoTracking().Where(v => v.UserId == userId).OrderBy(v => v.CreatedAt).ToListAsync(cancellationToken);
        return rows.Select(v => new { PhoneNumber = protector.Unprotect(SecretKind.PhoneNumber, v.PhoneNumberProtected), v.CreatedAt, v.ExpiresAt, v.Attempts, v.ConsumedAt }).ToList();
    }

    public Task EraseAsync(Guid userId, CancellationToken cancellationToken) =>
        db.PhoneVerifications.Where(v => v.UserId == userId).ExecuteDeleteAsync(cancellationToken);
}
