using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Passwords;
using Warden.Server.Users;

namespace Warden.Server.Authentication.PasswordChange;

/// <summary><c>Code</c>: a current authenticator or recovery code, when an authenticator is enrolled.</summary>
public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword, string? Code = null);

/// <summary>The other sessions that ended; the caller's own session goes on.</summary>
public sealed record PasswordChangeResult(int RevokedSessions);

/// <summary>
/// "Change password" for the signed-in user: the one re-authentication (the current password, plus a code
/// when an authenticator is enrolled), then a new password that meets the policy and history. Every other
/// session ends in the same transaction; the confirmation email follows from <c>password.changed</c>.
/// </summary>
public static class ChangePassword
{
    public static Task<Results<Ok<PasswordChangeResult>, ProblemHttpResult, ValidationProblem>> HandleAsync(
        ChangePasswordRequest request,
        ClaimsPrincipal principal,
        WardenDbContext db,
        PasswordChangingUserManager users,
        PasswordPolicy policy,
        Reauthentication reauthentication,
        SessionRevocation revocation,
        TimeProvider time,
        CancellationToken cancellationToken) =>
        ChangeAsync(principal.UserId(), principal.SessionId(), stepUp: false, request, db, users, policy, reauthentication, revocation, time, cancellationToken);

    /// <summary>
    /// The change itself, for the API and the account pages: <paramref name="sessionId"/> is the caller's session (it
    /// goes on; every other one ends). With <paramref name="stepUp"/> (the pages) a re-authentication given on that
    /// session within the window stands for the current password (<see cref="Reauthentication"/>).
    /// </summary>
    public static async Task<Results<Ok<PasswordChangeResult>, ProblemHttpResult, ValidationProblem>> ChangeAsync(
        Guid userId,
        Guid? sessionId,
        bool stepUp,
        ChangePasswordRequest request,
        WardenDbContext db,
        PasswordChangingUserManager users,
        PasswordPolicy policy,
        Reauthentication reauthentication,
        SessionRevocation revocation,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        // On a step-up the proof is the session's recent re-authentication; the current password is then optional.
        if ((stepUp
                ? ApiProblems.Missing(("newPassword", request.NewPassword, "A new password is required."))
                : ApiProblems.Missing(
                    ("currentPassword", request.CurrentPassword, "The current password is required."),
                    ("newPassword", request.NewPassword, "A new password is required."))) is { } missing)
        {
            return missing;
        }

        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId && u.Status == UserStatus.Active, cancellationToken);
        if (user is null)
        {
            return ApiProblems.NotFound();
        }

        // The policy's own rules first (they compare no hashes), so a refused new password does not spend the code
        // that came with a valid proof. The history compares hashes and is checked only after the proof: before
        // it, a stolen access token could ask which passwords the owner used.
        if (policy.Evaluate(request.NewPassword, user.UserName, user.Email) is { Count: > 0 } failed)
        {
            return PasswordRefusal.Refused(PasswordPolicy.ToResult(failed), "newPassword");
        }

        // A wrong current password counts towards re-authentication's own lock, not sign-in's: a stolen access
        // token is no unthrottled password oracle, and cannot lock the owner out of signing in either.
        if (await reauthentication.CheckAsync(user, stepUp ? sessionId : null, request.CurrentPassword, request.Code, cancellationToken) is { } refused)
        {
            return refused;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var result = await users.SetPasswordAsync(user, request.NewPassword!);
        if (!result.Succeeded)
        {
            await transaction.RollbackAsync(cancellationToken);
            return PasswordRefusal.Refused(result, "newPassword");
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
        }, now);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        return TypedResults.Ok(new PasswordChangeResult(revoked.Count));
    }
}
