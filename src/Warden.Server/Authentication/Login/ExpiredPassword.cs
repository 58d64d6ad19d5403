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
/// <para>
/// The challenge is handed out only once every factor of the account is verified: at once for a user with the
/// password alone, after the second factor for a user with one (<see cref="ContinueAfterSecondFactorAsync"/>).
/// Changing the password ends every other session, so if the old password alone could do it, whoever learnt it
/// could lock the owner out of an account protected by a second factor. The pending session's <c>amr</c> records
/// what was verified, and the change checks it again before it writes anything.
/// </para>
/// </summary>
public sealed class ExpiredPassword(WardenDbContext db, SessionIssuer sessions, LoginChallenges challenges, PasswordExpiry expiry)
{
    public bool IsExpired(User user, DateTimeOffset now) => expiry.IsExpired(user, now);

    public async Task<LoginChallengeResponse> StartChallengeAsync(
        User user, bool rememberMe, HttpContext http, CancellationToken cancellationToken, string client = SessionClients.Api)
    {
        var session = sessions.Start(user, rememberMe, "pwd", SessionState.PendingPasswordChange, http, client);
        var token = challenges.Add(user, session, LoginChallengeKind.PasswordChange);
        await db.SaveChangesAsync(cancellationToken);
        return new LoginChallengeResponse(null, true, token, null);
    }

    /// <summary>
    /// The second factor verified on a pending sign-in whose password has expired: the same session waits for the
    /// password change now, remembering both factors, and a new challenge (the spent one proved the second factor).
    /// </summary>
    public async Task<LoginChallengeResponse> ContinueAfterSecondFactorAsync(User user, UserSession session, string amr, CancellationToken cancellationToken)
    {
        session.State = SessionState.PendingPasswordChange;
        session.Amr = amr;
        var token = challenges.Add(user, session, LoginChallengeKind.PasswordChange);
        await db.SaveChangesAsync(cancellationToken);
        return new LoginChallengeResponse(null, true, token, null);
    }

    /// <summary>True when the pending session has verified every factor the account has.</summary>
    private static bool FullyVerified(User user, UserSession session) =>
        !user.TwoFactorEnabled || session.AmrValues.Contains("mfa", StringComparer.Ordinal);

    /// <summary>
    /// <c>POST /api/v1/auth/change-expired-password</c>: the challenge and a new password that meets the policy
    /// and history. The challenge came after every factor, so sign-in finishes here: the password is replaced,
    /// every other session ends, and this one gets its tokens.
    /// </summary>
    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult, ValidationProblem>> HandleAsync(
        ChangeExpiredPasswordRequest request,
        WardenDbContext db,
        PasswordChangingUserManager users,
        LoginChallenges challenges,
        SignInCompletion completion,
        SessionRevocation revocation,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var step = await ReplaceAsync(request, SessionClients.Api, db, users, challenges, revocation, time, cancellationToken);
        if (step.Invalid is { } invalid)
        {
            return invalid;
        }

        if (step.Problem is { } problem)
        {
            return problem;
        }

        // Tokens are signed after the commit, never inside a write transaction: signing may have to create a
        // key on its own connection, which SQLite's single writer would make wait for this transaction forever.
        return TypedResults.Ok(await completion.ActivateAsync(step.User!, step.Session!, step.Session!.Amr, cancellationToken));
    }

    /// <summary>The password replaced (committed): the user and the pending session to activate now, or why not.</summary>
    public sealed record ReplacedPassword(User? User, UserSession? Session, ProblemHttpResult? Problem, ValidationProblem? Invalid)
    {
        public static implicit operator ReplacedPassword(ProblemHttpResult problem) => new(null, null, problem, null);

        public static implicit operator ReplacedPassword(ValidationProblem invalid) => new(null, null, null, invalid);
    }

    /// <summary>
    /// The change itself, for the API and the account pages alike, on a challenge of a session started by
    /// <paramref name="client"/> only; the caller activates the session after the commit.
    /// </summary>
    public static async Task<ReplacedPassword> ReplaceAsync(
        ChangeExpiredPasswordRequest request,
        string client,
        WardenDbContext db,
        PasswordChangingUserManager users,
        LoginChallenges challenges,
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
            || session.RevokedAt is not null || session.ExpiresAt <= now || session.Client != client
            || user.Status != UserStatus.Active
            || !FullyVerified(user, session)) // two-factor turned on since the password step: that step proves too little now
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
            keptSessionId = session.Id,
            revokedSessions = revoked.Count,
        }, now);

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new ReplacedPassword(user, session, null, null);
    }
}
