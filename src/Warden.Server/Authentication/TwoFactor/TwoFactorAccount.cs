using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;

namespace Warden.Server.Authentication.TwoFactor;

/// <summary>Changes to a user's second factors that several endpoints share.</summary>
public sealed class TwoFactorAccount(WardenDbContext db, TimeProvider time)
{
    public async Task<UserTwoFactor> GetOrAddAsync(Guid userId, CancellationToken cancellationToken)
    {
        var row = await db.TwoFactor.SingleOrDefaultAsync(t => t.UserId == userId, cancellationToken);
        if (row is null)
        {
            row = new UserTwoFactor { UserId = userId, UpdatedAt = time.GetUtcNow() };
            db.TwoFactor.Add(row);
        }

        return row;
    }

    /// <summary>Replaces the user's recovery codes with ten new ones (saved by the caller); the old ones stop working.</summary>
    public async Task<IReadOnlyList<string>> ReplaceRecoveryCodesAsync(Guid userId, CancellationToken cancellationToken)
    {
        await db.RecoveryCodes.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        var now = time.GetUtcNow();
        var codes = RecoveryCodes.Generate();
        foreach (var code in codes)
        {
            db.RecoveryCodes.Add(new RecoveryCode { UserId = userId, CodeHash = RecoveryCodes.Hash(userId, code), CreatedAt = now });
        }

        return codes;
    }

    /// <summary>
    /// Keeps <see cref="User.TwoFactorEnabled"/> (what sign-in checks) in step with the methods, drops the
    /// recovery codes once no factor is left, and records what changed against the row as it was loaded:
    /// <c>two_factor.methods_changed</c> whenever a method is added, removed or (an authenticator) replaced,
    /// so the owner is told of every change (<see cref="SendSecondFactorChangedNotice"/>).
    /// </summary>
    public async Task SyncAsync(User user, UserTwoFactor row, Guid? actorId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        row.UpdatedAt = now;
        var methods = row.EnabledMethods();
        if (row.PreferredMethod is not null && !methods.Contains(row.PreferredMethod))
        {
            row.PreferredMethod = methods.Count > 0 ? methods[0] : null;
        }

        var entry = db.Entry(row);
        var loaded = entry.State == EntityState.Added ? null : (UserTwoFactor)entry.OriginalValues.ToObject();
        var before = loaded?.EnabledMethods() ?? [];
        string[] added = [.. methods.Except(before)];
        string[] removed = [.. before.Except(methods)];
        string[] replaced = loaded?.TotpSecretProtected is { } oldSecret && row.TotpSecretProtected is { } newSecret && oldSecret != newSecret
            ? [SecondFactorMethods.Totp]
            : [];
        if (added.Length + removed.Length + replaced.Length > 0)
        {
            db.AddEvent(EventTypes.TwoFactorMethodsChanged, user.Id, new { userId = user.Id, actorId, added, removed, replaced }, now);
        }

        var wasEnabled = user.TwoFactorEnabled;
        user.TwoFactorEnabled = row.AnyEnabled;
        user.UpdatedAt = now;
        if (wasEnabled && !user.TwoFactorEnabled)
        {
            await db.RecoveryCodes.Where(c => c.UserId == user.Id).ExecuteDeleteAsync(cancellationToken);
            db.AddEvent(EventTypes.TwoFactorDisabled, user.Id, new { userId = user.Id, actorId }, now);
        }
        else if (!wasEnabled && user.TwoFactorEnabled)
        {
            db.AddEvent(EventTypes.TwoFactorEnabled, user.Id, new { userId = user.Id, methods }, now);
        }
    }

    /// <summary>Turns every factor off (the user with re-authentication, or an administrator's reset).</summary>
    public async Task<bool> DisableAllAsync(Guid userId, Guid? actorId, CancellationToken cancellationToken)
    {
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId && u.Status != UserStatus.Deleted, cancellationToken);
        if (user is null)
        {
            return false;
        }

        var row = await GetOrAddAsync(userId, cancellationToken);
        row.TotpSecretProtected = null;
        row.PendingTotpSecretProtected = null;
        row.TotpConfirmedAt = null;
        row.SmsEnabled = false;
        row.EmailEnabled = false;
        row.PreferredMethod = null;
        await db.OneTimeCodes.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await SyncAsync(user, row, actorId, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }
}
