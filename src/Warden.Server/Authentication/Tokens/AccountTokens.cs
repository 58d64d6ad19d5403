using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Authentication.Tokens;

/// <summary>Issues and spends <see cref="AccountToken"/>s.</summary>
public sealed class AccountTokens(WardenDbContext db, TimeProvider time)
{
    /// <summary>
    /// Adds a new token to the unit of work (saved by the caller) and returns the secret, which exists only
    /// in the email it is sent in. Older unspent tokens of the same purpose stop working: the newest link wins.
    /// </summary>
    public async Task<string> IssueAsync(Guid userId, AccountTokenPurpose purpose, TimeSpan lifetime, string? data = null, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await db.AccountTokens
            .Where(t => t.UserId == userId && t.Purpose == purpose && t.ConsumedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.ConsumedAt, now), cancellationToken);

        var secret = OpaqueToken.Create();
        db.AccountTokens.Add(new AccountToken
        {
            UserId = userId,
            Purpose = purpose,
            TokenHash = OpaqueToken.Hash(secret),
            Data = data,
            CreatedAt = now,
            ExpiresAt = now + lifetime,
        });
        return secret;
    }

    /// <summary>
    /// The token while it could still be spent (unknown, expired, spent or of another purpose: null), without spending it:
    /// for a form that shows again after a wrong answer and is spent only by the step that holds.
    /// </summary>
    public async Task<AccountToken?> FindAsync(string? secret, AccountTokenPurpose purpose, CancellationToken cancellationToken = default)
    {
        if (!OpaqueToken.LooksValid(secret))
        {
            return null;
        }

        var hash = OpaqueToken.Hash(secret!);
        var now = time.GetUtcNow();
        return await db.AccountTokens.AsNoTracking()
            .SingleOrDefaultAsync(t => t.TokenHash == hash && t.Purpose == purpose && t.ConsumedAt == null && t.ExpiresAt > now, cancellationToken);
    }

    /// <summary>
    /// Spends the token with one conditional update, so two concurrent uses cannot both succeed.
    /// Returns the token (with its user id and data) when this call spent it; null when it is unknown,
    /// expired, already spent or of another purpose — callers answer all of those alike.
    /// </summary>
    public async Task<AccountToken?> ConsumeAsync(string? secret, AccountTokenPurpose purpose, CancellationToken cancellationToken = default)
    {
        if (!OpaqueToken.LooksValid(secret))
        {
            return null;
        }

        var hash = OpaqueToken.Hash(secret!);
        var now = time.GetUtcNow();
        var spent = await db.AccountTokens
            .Where(t => t.TokenHash == hash && t.Purpose == purpose && t.ConsumedAt == null && t.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.ConsumedAt, now), cancellationToken);
        if (spent == 0)
        {
            return null;
        }

        return await db.AccountTokens.AsNoTracking().SingleAsync(t => t.TokenHash == hash, cancellationToken);
    }
}
