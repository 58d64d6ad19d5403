using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication.Login;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Passwords;
using Warden.Server.Users;

namespace Warden.Server.Authentication.PasswordReset;

public sealed record ForgotPasswordRequest(string? Email);

/// <summary>
/// "Password Reset", first half: answers 202 for any address and, for a real account, writes
/// <c>password.reset_requested</c>; its handler makes the token and sends the email after commit.
/// </summary>
/// <remarks>
/// Accounts that are active or pending verification get the email (a pending user who lost the password
/// can recover, and proves control of the mailbox on the way). Suspended and deleted accounts get nothing:
/// neither can sign in, and a reset must not become a way to learn or undo a suspension.
/// <para>
/// No enumeration: a known and an unknown address do the same work. Both look the address up, and both
/// pass through the same per-address throttle (a row in <c>login_attempts</c> keyed by a hash of the
/// normalized address, so unknown addresses are not stored) in one transaction; only a real account adds
/// the event row to that same commit. Nothing is hashed and nothing is mailed in the request.
/// </para>
/// </remarks>
public static class ForgotPassword
{
    public const string ThrottleKeyPrefix = "reset:";

    public static async Task<Results<Accepted, ValidationProblem>> HandleAsync(
        ForgotPasswordRequest request,
        WardenDbContext db,
        UserManager<User> users,
        TimeProvider time,
        IOptions<PasswordLifecycleOptions> options,
        CancellationToken cancellationToken)
    {
        var email = request.Email?.Trim();
        if (!EmailAddress.IsValid(email))
        {
            return ApiProblems.Validation("email", "A valid email address is required.");
        }

        var normalized = users.NormalizeEmail(email)!;
        var userId = await db.Users.AsNoTracking()
            .Where(u => u.NormalizedEmail == normalized && (u.Status == UserStatus.Active || u.Status == UserStatus.PendingVerification))
            .Select(u => (Guid?)u.Id)
            .SingleOrDefaultAsync(cancellationToken);

        var key = ThrottleKey(normalized);
        await EnsureThrottleRowAsync(db, key, cancellationToken);

        var now = time.GetUtcNow();
        var sentBefore = now - options.Value.ResetEmailInterval;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var allowed = await db.LoginAttempts
            .Where(a => a.Identifier == key && a.LastAttemptAt <= sentBefore)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.LastAttemptAt, now), cancellationToken) == 1;
        if (allowed && userId is { } id)
        {
            db.AddEvent(EventTypes.PasswordResetRequested, id, new
            {
                userId = id,
            }, now);
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Accepted((string?)null);
    }

    /// <summary>The throttle identifier of an address: a hash, so addresses without an account are never stored.</summary>
    public static string ThrottleKey(string normalizedEmail) =>
        ThrottleKeyPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalizedEmail)));

    private static async Task EnsureThrottleRowAsync(WardenDbContext db, string key, CancellationToken cancellationToken)
    {
        if (await db.LoginAttempts.AnyAsync(a => a.Identifier == key, cancellationToken))
        {
            return;
        }

        // Born "long ago", so the first request is allowed by the same conditional update as every other.
        // Stale rows (older than the lockout failure window) are deleted by ExpiredDataCleanup.
        var row = new LoginAttempt { Identifier = key, LastAttemptAt = DateTimeOffset.UnixEpoch };
        db.LoginAttempts.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // A concurrent request for the same address created it first.
        }
        finally
        {
            db.Entry(row).State = EntityState.Detached;
        }
    }
}
