using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Passwords;
using Warden.Server.Users;
using Warden.Server.Authentication.PasswordChange;

namespace Warden.Server.Authentication.Login;

public sealed record ChangeExpiredPasswordRequest(string? ChallengeToken, string? NewPassword);

/// <summary>
/// Password expiry at sign-in (<c>Warden:Passwords:MaxAge</c>). A correct but expired password earns a
/// challenge, not tokens: a pending session in <see cref="SessionState.PendingPasswordChange"/> (which no
/// access token can use) and a single-use, short-lived challenge token bound to it and to the user.
/// </summary>
public sealed class ExpiredPassword(WardenDbContext db, SessionIssuer sessions, LoginChallenges challenges, PasswordExpiry expiry)
{
    public bool IsExpired(User user, DateTimeOffset now) => expiry.IsExpired(user, now);

    public async Task<LoginChallengeResponse> StartChallengeAsync(User user, bool rememberMe, HttpContext http, CancellationToken cancellationToken)
    {
        var session = sessions.Start(user, rememberMe, "pwd", SessionState.PendingPasswordChange, http);
        var token = challenges.Add(user, session, LoginChallengeKind.PasswordChange);
        await db.SaveChangesAsync(cancellationToken);
        return new LoginChallengeResponse(null, true, token, null);
    }

    /// <summary>
    /// <c>POST /api/v1/auth/change-expired-password</c>: the challenge and a new password that meets the policy
    /// and history. Then sign-in goes on exactly where the expiry interrupted it: tokens, or the second-factor
    /// challenge for a user with two-factor authentication (never tokens for them).
    /// </summary>
    public static async Task<Results<Ok<TokenResponse>, Ok<LoginChallengeResponse>, ProblemHttpResult, ValidationProblem>> HandleAsync(
        ChangeExpiredPasswordRequest request,
        HttpContext http,
        WardenDbContext db,
        PasswordChangingUserManager users,
        LoginChallenges challenges,
        SignInCompletion completion,
        SessionRevocation revocation,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (ApiProblems.Missing(
                ("challengeToken", request.ChallengeToken, "The challenge token from the sign-in answer is required."),
                ("newPassword", request.NewPassword, "A new password is required.")) is { } missing)
        {
            return missing;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = time.GetUtcNow();

        // Spent now; a refused password rolls back, so the person may try another within the challenge's lifetime.
        var challenge = await challenges.ConsumeAsync(request.ChallengeToken, LoginChallengeKind.PasswordChange, cancellationToken);
        var session = challenge?.Session;
        var user = challenge is null ? null : await db.Users.SingleOrDefaultAsync(u => u.Id == challenge.UserId, cancellationToken);
        if (challenge is null || session is null || user is null
            || session.UserId != user.Id || session.State != SessionState.PendingPasswordChange
            || session.RevokedAt is not null || session.ExpiresAt <= now
            || user.Status != UserStatus.Active)
        {
            await transaction.RollbackAsync(cancellationToken);
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, ProblemCodes.TokenInvalid,
                "The sign-in has expired or was already completed. Sign in again.");
        }

        var result = await users.SetPasswordAsync(user, request.NewPassword!);
        if (!result.Succeeded)
        {
            await transaction.RollbackAsync(cancellationToken);
            return PasswordRefusal.Refused(result, "newPassword");
        }

        user.UpdatedAt = now;
        var revoked = await revocation.RevokeAllAsync(user.Id, session.Id, RevocationReasons.PasswordChanged, cancellationToken);
        db.AddEvent(EventTypes.PasswordChanged, user.Id, new
        {
            userId = user.Id,
            method = PasswordChangeMethods.Expired,
            keptSessionId = user.TwoFactorEnabled ? (Guid?)null : session.Id,
            revokedSessions = revoked.Count,
        }, now);

        if (user.TwoFactorEnabled)
        {
            // The expired password only ever earned a password change, never a way past the second factor:
            // the pending session ends and the second factor starts its own, exactly as at sign-in.
            await revocation.RevokeAsync(user.Id, session.Id, RevocationReasons.PasswordChanged, cancellationToken);
            var secondFactor = await challenges.StartSecondFactorAsync(user, session.RememberMe, http, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return TypedResults.Ok(secondFactor);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        // Tokens are signed after the commit, never inside a write transaction: signing may have to create a
        // key on its own connection, which SQLite's single writer would make wait for this transaction forever.
        var tokens = await completion.ActivateAsync(user, session, "pwd", cancellationToken);
        return TypedResults.Ok(tokens);
    }
}
