using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Security;

namespace Warden.Server.Authentication.TwoFactor;

/// <summary>
/// Checks second-factor codes. Every success spends what it used with one conditional update — the TOTP step,
/// the recovery code, the one-time code — so a code works once even when two requests race with it.
/// </summary>
public sealed class SecondFactorVerifier(
    WardenDbContext db, SecretProtector secrets, OneTimeCodeHasher codeHasher, TimeProvider time, IOptions<TwoFactorOptions> options)
{
    /// <summary>The method the code proved (totp, sms, email, recovery_code), or null.</summary>
    public async Task<string?> VerifyAsync(Guid userId, Guid? pendingSessionId, string? code, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(code) || code.Length > 64)
        {
            return null;
        }

        code = code.Trim();
        if (OneTimeCodes.IsWellFormed(code))
        {
            if (await VerifyTotpAsync(userId, code, cancellationToken))
            {
                return SecondFactorMethods.Totp;
            }

            return pendingSessionId is { } sessionId ? await VerifyOneTimeCodeAsync(userId, sessionId, code, cancellationToken) : null;
        }

        return await RedeemRecoveryCodeAsync(userId, code, cancellationToken) ? SecondFactorMethods.RecoveryCode : null;
    }

    public async Task<bool> VerifyTotpAsync(Guid userId, string code, CancellationToken cancellationToken)
    {
        var row = await db.TwoFactor.AsNoTracking()
            .Where(t => t.UserId == userId && t.TotpSecretProtected != null)
            .Select(t => new { t.TotpSecretProtected, t.LastTotpStep })
            .SingleOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return false;
        }

        var secret = Base32.Decode(secrets.Unprotect(SecretKind.TotpSecret, row.TotpSecretProtected!));
        var step = Totp.Verify(secret, code, time.GetUtcNow(), row.LastTotpStep);
        if (step is null)
        {
            return false;
        }

        // Spent only if no one accepted this step (or a later one) in the meantime.
        var spent = await db.TwoFactor
            .Where(t => t.UserId == userId && (t.LastTotpStep == null || t.LastTotpStep < step))
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastTotpStep, step), cancellationToken);
        return spent == 1;
    }

    public async Task<bool> RedeemRecoveryCodeAsync(Guid userId, string code, CancellationToken cancellationToken)
    {
        if (!RecoveryCodes.TryNormalize(code, out _))
        {
            return false;
        }

        var hash = RecoveryCodes.Hash(userId, code);
        var now = time.GetUtcNow();
        var redeemed = await db.RecoveryCodes
            .Where(c => c.UserId == userId && c.CodeHash == hash && c.UsedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.UsedAt, now), cancellationToken);
        return redeemed == 1;
    }

    private async Task<string?> VerifyOneTimeCodeAsync(Guid userId, Guid sessionId, string code, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var max = options.Value.MaxCodeAttempts;
        var candidate = await db.OneTimeCodes.AsNoTracking()
            .Where(c => c.UserId == userId && c.SessionId == sessionId && c.ConsumedAt == null && c.ExpiresAt > now && c.FailedAttempts < max)
            .OrderByDescending(c => c.CreatedAt)
            .FirstOrDefaultAsync(cancellationToken);
        if (candidate is null)
        {
            return null;
        }

        if (!codeHasher.Matches(candidate.Id, code, candidate.CodeHash))
        {
            await db.OneTimeCodes.Where(c => c.Id == candidate.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.FailedAttempts, c => c.FailedAttempts + 1), cancellationToken);
            return null;
        }

        var spent = await db.OneTimeCodes
            .Where(c => c.Id == candidate.Id && c.ConsumedAt == null && c.FailedAttempts < max)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ConsumedAt, now), cancellationToken);
        return spent == 1 ? candidate.Method : null;
    }
}
