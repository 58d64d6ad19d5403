using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication.Login;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Authentication.TwoFactor;

public sealed record SendCodeRequest(string? ChallengeToken, string? Method);

public sealed record VerifySecondFactorRequest(string? ChallengeToken, string? Code);

/// <summary>
/// The second step of a sign-in: "TwoFactorAuth validates code, updates session status, notifies 2FA
/// Verified". Only here does a pending session become active and receive tokens.
/// </summary>
public static class LoginSecondFactor
{
    /// <summary>A new SMS or email code at most this often per sign-in.</summary>
    public static readonly TimeSpan ResendInterval = TimeSpan.FromSeconds(30);

    public static async Task<Results<Accepted, ProblemHttpResult, ValidationProblem>> SendAsync(
        SendCodeRequest request, HttpContext http, WardenDbContext db, LoginChallenges challenges, IOptions<TwoFactorOptions> options,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (request.Method is not (SecondFactorMethods.Sms or SecondFactorMethods.Email))
        {
            return ApiProblems.Validation("method", "The method is sms or email.");
        }

        var challenge = await challenges.FindAsync(request.ChallengeToken, LoginChallengeKind.SecondFactor, cancellationToken);
        if (challenge is null)
        {
            return InvalidChallenge();
        }

        var row = await db.TwoFactor.AsNoTracking().SingleOrDefaultAsync(t => t.UserId == challenge.UserId, cancellationToken);
        var available = request.Method == SecondFactorMethods.Sms
            ? row?.SmsEnabled == true
            : row?.EmailEnabled == true && options.Value.AllowEmailCodes;
        if (!available)
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.MethodUnavailable, "That method is not turned on for this account.");
        }

        var now = time.GetUtcNow();
        var lastSent = await db.OneTimeCodes.Where(c => c.SessionId == challenge.SessionId)
            .OrderByDescending(c => c.CreatedAt).Select(c => (DateTimeOffset?)c.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        var pending = await db.OutboxMessages.AnyAsync(m => m.Type == EventTypes.TwoFactorCodeRequested && m.Subject == challenge.UserId
                                                           && m.OccurredAt > now - ResendInterval, cancellationToken);
        if (pending || (lastSent is { } sent && now - sent < ResendInterval))
        {
            http.Response.Headers.RetryAfter = ((int)ResendInterval.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ApiProblems.Problem(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited, "A code was sent moments ago. Wait before asking again.");
        }

        // The code is made and sent by the handler after commit; the event carries no code.
        db.AddEvent(EventTypes.TwoFactorCodeRequested, challenge.UserId,
            new { userId = challenge.UserId, sessionId = challenge.SessionId, method = request.Method }, now);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Accepted((string?)null);
    }

    /// <summary>
    /// Checks a code against the challenge. Each code counts twice before it is checked: on the challenge (dead after
    /// <see cref="AuthenticationOptions.MaxChallengeAttempts"/>) and on the account's sign-in lockout, whichever
    /// identifier the password step used. A right code finishes the sign-in — or, when the password has expired,
    /// answers the password-change challenge on the same pending session, which now records both factors.
    /// </summary>
    public static async Task<Results<Ok<TokenResponse>, Ok<LoginChallengeResponse>, ProblemHttpResult, ValidationProblem>> VerifyAsync(
        VerifySecondFactorRequest request, HttpContext http, WardenDbContext db, LoginChallenges challenges, LoginThrottle throttle,
        SecondFactorVerifier verifier, SignInCompletion completion, ExpiredPassword expiredPassword, SessionCache sessionCache,
        TimeProvider time, IOptions<AuthenticationOptions> options, CancellationToken cancellationToken)
    {
        var step = await VerifyCodeAsync(request, SessionClients.Api, http, db, challenges, throttle, verifier, expiredPassword, time, options, cancellationToken);
        return await step.AnswerApiAsync(completion, sessionCache, cancellationToken);
    }

    /// <summary>
    /// A verified code: the user and pending session to activate with <see cref="Amr"/>, or the password-change
    /// challenge that follows when the password has expired, or why not.
    /// </summary>
    public sealed record CodeStep(User? User, UserSession? Session, string? Amr, LoginChallengeResponse? PasswordChange, ProblemHttpResult? Problem, ValidationProblem? Invalid)
    {
        public static implicit operator CodeStep(ProblemHttpResult problem) => new(null, null, null, null, problem, null);

        public static implicit operator CodeStep(ValidationProblem invalid) => new(null, null, null, null, null, invalid);

        /// <summary>The API's answer to a second step, whichever factor it checked: tokens, the password-change challenge, or why not.</summary>
        public async Task<Results<Ok<TokenResponse>, Ok<LoginChallengeResponse>, ProblemHttpResult, ValidationProblem>> AnswerApiAsync(
            SignInCompletion completion, SessionCache sessionCache, CancellationToken cancellationToken)
        {
            if (Invalid is { } invalid)
            {
                return invalid;
            }

            if (Problem is { } problem)
            {
                return problem;
            }

            if (PasswordChange is { } passwordChange)
            {
                return TypedResults.Ok(passwordChange);
            }

            var tokens = await completion.ActivateAsync(User!, Session!, Amr!, cancellationToken);
            sessionCache.Forget(Session!.Id);
            return TypedResults.Ok(tokens);
        }
    }

    /// <summary>
    /// A wrong second factor (a code, a passkey): it counts towards the account's lockout, and the failure (and a lock
    /// it caused) is recorded with nothing else the attempt may have tracked.
    /// </summary>
    internal static async Task RecordWrongAnswerAsync(
        User user, string lockoutKey, LoginThrottle throttle, WardenDbContext db, DateTimeOffset now, TimeSpan lockoutDuration, CancellationToken cancellationToken)
    {
        var justLocked = await throttle.FailAsync(lockoutKey, cancellationToken);
        db.ChangeTracker.Clear();
        if (justLocked)
        {
            db.AddEvent(EventTypes.UserLocked, user.Id, new { userId = user.Id, until = now + lockoutDuration }, now);
        }

        db.AddEvent(EventTypes.LoginFailed, user.Id, new { reason = "invalid_second_factor" }, now);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// The second step of a sign-in for the API and the account pages alike: a challenge of a session started by
    /// <paramref name="client"/> only (a browser's challenge never earns tokens, an API client's never a cookie).
    /// </summary>
    public static async Task<CodeStep> VerifyCodeAsync(
        VerifySecondFactorRequest request, string client, HttpContext http, WardenDbContext db, LoginChallenges challenges, LoginThrottle throttle,
        SecondFactorVerifier verifier, ExpiredPassword expiredPassword, TimeProvider time, IOptions<AuthenticationOptions> options,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Code))
        {
            return ApiProblems.Validation("code", "The code is required.");
        }

        var challenge = await challenges.FindAsync(request.ChallengeToken, LoginChallengeKind.SecondFactor, cancellationToken);
        var user = challenge is null ? null : await db.Users.SingleOrDefaultAsync(u => u.Id == challenge.UserId, cancellationToken);
        if (challenge?.Session is null || user is null || challenge.Session.State != SessionState.PendingSecondFactor || challenge.Session.RevokedAt is not null
            || challenge.Session.Client != client)
        {
            return InvalidChallenge();
        }

        if (!await challenges.TryCountAttemptAsync(challenge, cancellationToken))
        {
            return InvalidChallenge();
        }

        // Wrong codes count against the same lockout as wrong passwords: the account's.
        var key = LoginThrottle.AccountKey(user);
        if (await throttle.TryBeginAsync(key, cancellationToken) is { } retryAfter)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ApiProblems.Problem(StatusCodes.Status423Locked, ProblemCodes.AccountLocked, "Too many failed attempts. Try again later.");
        }

        var method = await verifier.VerifyAsync(user.Id, challenge.SessionId, request.Code, cancellationToken);
        var now = time.GetUtcNow();
        if (method is null)
        {
            await RecordWrongAnswerAsync(user, key, throttle, db, now, options.Value.LockoutDuration, cancellationToken);
            return ApiProblems.Problem(StatusCodes.Status401Unauthorized, ProblemCodes.InvalidCode, "The code is wrong or expired.");
        }

        // Spent now: a challenge finishes one sign-in, however many requests race with it.
        if (await challenges.ConsumeAsync(request.ChallengeToken, LoginChallengeKind.SecondFactor, cancellationToken) is null)
        {
            return InvalidChallenge();
        }

        var session = await db.Sessions.SingleAsync(s => s.Id == challenge.SessionId, cancellationToken);
        var amr = method == SecondFactorMethods.Sms ? "pwd sms mfa" : "pwd otp mfa";
        db.AddEvent(EventTypes.TwoFactorVerified, user.Id, new { userId = user.Id, sessionId = session.Id, method }, now);
        if (expiredPassword.IsExpired(user, now))
        {
            // Every factor is verified; only now may the expired password be replaced (and other sessions end).
            return new CodeStep(user, session, amr, await expiredPassword.ContinueAfterSecondFactorAsync(user, session, amr, cancellationToken), null, null);
        }

        return new CodeStep(user, session, amr, null, null, null);
    }

    private static ProblemHttpResult InvalidChallenge() =>
        ApiProblems.Problem(StatusCodes.Status401Unauthorized, ProblemCodes.TokenInvalid, "The sign-in challenge is invalid, expired or already used. Sign in again.");
}
