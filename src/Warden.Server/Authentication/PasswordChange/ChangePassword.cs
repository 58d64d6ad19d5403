using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication;
using Warden.Server.Authentication.Login;
using Warden.Server.Authentication.PasswordReset;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;
using Warden.Server.Passwords;

namespace Warden.Server.Authentication.PasswordChange;

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

/// <summary>The other sessions that ended; the caller's own session goes on.</summary>
public sealed record PasswordChangeResult(int RevokedSessions);

/// <summary>
/// "Change password" for the signed-in user: the current password, then a new one that meets the policy and
/// history. Every other session ends in the same transaction; the confirmation email follows from
/// <c>password.changed</c>.
/// </summary>
public static class ChangePassword
{
    /// <summary>Maps <c>PUT /password</c> on the users group (<c>/api/v1/users</c>).</summary>
    public static RouteGroupBuilder MapPasswordChange(this RouteGroupBuilder users)
    {
        users.MapPut("/password", HandleAsync)
            .WithName("ChangePassword")
            .WithSummary("Change the password (needs the current one); every other session is signed out.");
        return users;
    }

    public static async Task<Results<Ok<PasswordChangeResult>, ProblemHttpResult, ValidationProblem>> HandleAsync(
        ChangePasswordRequest request,
        ClaimsPrincipal principal,
        HttpContext http,
        WardenDbContext db,
        UserManager<User> users,
        LoginThrottle throttle,
        SignInCompletion signIn,
        SessionRevocation revocation,
        TimeProvider time,
        IOptions<AuthenticationOptions> authentication,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request.CurrentPassword))
        {
            errors["currentPassword"] = ["The current password is required."];
        }

        if (string.IsNullOrEmpty(request.NewPassword))
        {
            errors["newPassword"] = ["A new password is required."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        var userId = principal.UserId();
        var sessionId = principal.SessionId();
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId && u.Status == UserStatus.Active, cancellationToken);
        if (user is null)
        {
            return ApiProblems.NotFound();
        }

        // A wrong current password is a password guess like any other, so it counts toward the lockout of the
        // user's sign-in identifiers: a stolen access token must not become an unthrottled password oracle.
        // The attempt is reserved before any hash is computed, exactly as at sign-in.
        var keys = signIn.IdentifierKeys(user).ToList();
        for (var i = 0; i < keys.Count; i++)
        {
            if (await throttle.TryBeginAsync(keys[i], cancellationToken) is { } retryAfter)
            {
                await ReleaseAsync(db, keys[..i], cancellationToken); // nothing was evaluated
                http.Response.Headers.RetryAfter = RateLimitProblems.Seconds(retryAfter);
                return ApiProblems.Problem(StatusCodes.Status423Locked, AuthProblemCodes.AccountLocked,
                    "Too many wrong passwords. Try again later.");
            }
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var result = request.CurrentPassword!.Length > Authentication.Login.Login.MaxPasswordLength
            ? IdentityResult.Failed(users.ErrorDescriber.PasswordMismatch()) // cannot match; never hashed
            : await users.ChangePasswordAsync(user, request.CurrentPassword, request.NewPassword!);
        if (!result.Succeeded)
        {
            await transaction.RollbackAsync(cancellationToken);
            if (result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.PasswordMismatch)))
            {
                await FailAsync(user, keys, db, throttle, time, authentication.Value, cancellationToken);
                return ApiProblems.Validation(
                    new Dictionary<string, string[]> { ["currentPassword"] = ["The current password is wrong."] },
                    AuthProblemCodes.InvalidCredentials,
                    "The current password is wrong.");
            }

            // The current password was right: the reserved attempt was no guess.
            await ReleaseAsync(db, keys, cancellationToken);
            if (PasswordPolicy.IsPolicyFailure(result))
            {
                return PasswordPolicy.Problem(result, "newPassword");
            }

            return PasswordConflicts.IsConcurrencyFailure(result)
                ? PasswordConflicts.Problem()
                : throw new InvalidOperationException($"Changing the password failed: {string.Join(", ", result.Errors.Select(e => e.Code))}.");
        }

        var now = time.GetUtcNow();
        user.UpdatedAt = now;

        // The caller proved the password in this session; everyone else holding a session is out at commit.
        var revoked = await revocation.RevokeAllAsync(user.Id, sessionId, RevocationReasons.PasswordChanged, cancellationToken);
        db.AddEvent(EventTypes.PasswordChanged, user.Id, new
        {
            userId = user.Id,
            method = PasswordChangeMethods.Change,
            keptSessionId = sessionId,
            revokedSessions = revoked.Count,
            ipAddress = http.Connection.RemoteIpAddress?.ToString(),
            userAgent = ForgotPassword.UserAgent(http),
        }, now);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        await ReleaseAsync(db, keys, cancellationToken);
        return TypedResults.Ok(new PasswordChangeResult(revoked.Count));
    }

    /// <summary>
    /// Gives back the attempts reserved for a current password that was right (or never evaluated). Not a
    /// reset: changing one's password is no sign-in, and must not wipe the count of someone guessing at the
    /// sign-in form meanwhile.
    /// </summary>
    private static async Task ReleaseAsync(WardenDbContext db, List<string> keys, CancellationToken cancellationToken)
    {
        foreach (var key in keys)
        {
            await db.LoginAttempts
                .Where(a => a.Identifier == key && a.LockedUntil == null && a.Failures > 0)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.Failures, a => a.Failures - 1), cancellationToken);
        }
    }

    private static async Task FailAsync(
        User user, List<string> keys, WardenDbContext db, LoginThrottle throttle, TimeProvider time, AuthenticationOptions options, CancellationToken cancellationToken)
    {
        var locked = false;
        foreach (var key in keys)
        {
            locked |= await throttle.FailAsync(key, cancellationToken);
        }

        if (locked)
        {
            var now = time.GetUtcNow();
            db.AddEvent(EventTypes.UserLocked, user.Id, new { userId = user.Id, until = now + options.LockoutDuration }, now);
            await db.SaveChangesAsync(cancellationToken);
        }
    }
}
