using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Passwords;
using Warden.Server.Users;
using Warden.Server.Authentication.PasswordChange;
using Warden.Server.Authentication.Registration;

namespace Warden.Server.Authentication.PasswordReset;

public sealed record ResetPasswordRequest(string? Token, string? NewPassword);

/// <summary>The account after its password was set. No tokens: a reset never signs anyone in.</summary>
public sealed record PasswordResetResult(string Email, string Status, bool EmailVerified);

/// <summary>
/// "Password Reset", second half, and the set-password step of an admin invitation: the emailed token
/// (purpose <c>PasswordReset</c> or <c>Invitation</c>) sets a new password that meets the policy and history,
/// and every session of the user ends in the same transaction.
/// </summary>
/// <remarks>
/// The answer carries no tokens: whoever holds the mailbox chose a password, and now signs in with it like
/// anyone else, second factor included. A reset therefore never bypasses two-factor authentication.
/// </remarks>
public static class ResetPassword
{
    public static async Task<Results<Ok<PasswordResetResult>, ProblemHttpResult, ValidationProblem>> HandleAsync(
        ResetPasswordRequest request,
        WardenDbContext db,
        PasswordChangingUserManager users,
        AccountTokens tokens,
        SessionRevocation revocation,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (ApiProblems.Missing(
                ("token", request.Token, "The reset token is required."),
                ("newPassword", request.NewPassword, "A new password is required.")) is { } missing)
        {
            return missing;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        // Spent before the password is looked at, by a conditional update: of two concurrent uses one wins.
        // Every failure below rolls back, so a token spent on a refused password still works.
        var token = await tokens.ConsumeAsync(request.Token, AccountTokenPurpose.PasswordReset, cancellationToken)
                    ?? await tokens.ConsumeAsync(request.Token, AccountTokenPurpose.Invitation, cancellationToken);
        var user = token is null ? null : await db.Users.SingleOrDefaultAsync(u => u.Id == token.UserId, cancellationToken);
        if (token is null || user is null || user.Status is UserStatus.Suspended or UserStatus.Deleted)
        {
            await transaction.RollbackAsync(cancellationToken);
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, ProblemCodes.TokenInvalid,
                "The link is invalid, expired or already used. Ask for a new one.");
        }

        var result = await users.SetPasswordAsync(user, request.NewPassword!);
        if (!result.Succeeded)
        {
            await transaction.RollbackAsync(cancellationToken);
            return PasswordRefusal.Refused(result, "newPassword");
        }

        var now = time.GetUtcNow();

        // Every other link of the user (a reset link beside an invitation, an email change) died with the new
        // password, in the SaveChanges that stored it (OutstandingLinks).

        // An account someone registered with this address and never verified becomes the mailbox owner's,
        // without anything its registrant set up.
        if (token.Purpose == AccountTokenPurpose.PasswordReset && UnverifiedAccountTakeover.Applies(user))
        {
            await UnverifiedAccountTakeover.ClearAsync(db, user, now, cancellationToken);
        }

        // The token came in an email to this address, so following it proves control of the mailbox exactly
        // as the verification link would: a pending account (or an invited one) is verified and active now.
        var verifiedNow = user.EmailVerifiedAt is null;
        if (verifiedNow)
        {
            user.EmailVerifiedAt = now;
            user.EmailConfirmed = true;
        }

        if (user.Status == UserStatus.PendingVerification)
        {
            user.Status = UserStatus.Active;
        }

        user.UpdatedAt = now;

        // Whoever knew the old password (or held a session) is out the moment this commits.
        var revoked = await revocation.RevokeAllAsync(user.Id, null, RevocationReasons.PasswordReset, cancellationToken);
        db.AddEvent(EventTypes.PasswordChanged, user.Id, new
        {
            userId = user.Id,
            method = token.Purpose == AccountTokenPurpose.Invitation ? PasswordChangeMethods.Invitation : PasswordChangeMethods.Reset,
            keptSessionId = (Guid?)null,
            revokedSessions = revoked.Count,
        }, now);
        if (verifiedNow)
        {
            db.AddEvent(EventTypes.UserEmailVerified, user.Id, new { userId = user.Id }, now);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new PasswordResetResult(user.Email!, user.Status.ToWire(), EmailVerified: true));
    }
}
