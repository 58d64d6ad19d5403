using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication.Login;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authentication.TwoFactor;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Passkeys;

public sealed record PasskeySecondFactorOptionsRequest(string? ChallengeToken);

public sealed record PasskeySecondFactorRequest(string? ChallengeToken, JsonElement? Credential);

/// <summary>
/// A passkey in place of a code at the second step of a password sign-in. The password is proven, so the options
/// may list the account's passkeys. The ceremony is bound to the pending session of the sign-in challenge; an
/// answer counts against the challenge's attempts and the account's lockout like a code, and a right one spends
/// the challenge and activates the session (<c>amr</c>: <c>pwd hwk mfa</c>).
/// </summary>
public static class PasskeySecondFactor
{
    public const string Amr = "pwd hwk mfa";

    public static async Task<Results<Ok<PasskeyOptionsResponse>, ProblemHttpResult>> OptionsAsync(
        PasskeySecondFactorOptionsRequest request, HttpContext http, WardenDbContext db, LoginChallenges challenges, PasskeyRelyingParty relyingParty,
        PasskeyCeremonies ceremonies, CancellationToken cancellationToken) =>
        await BeginAsync(request.ChallengeToken, SessionClients.Api, http, db, challenges, relyingParty, ceremonies, cancellationToken);

    public static async Task<Results<Ok<PasskeyOptionsResponse>, ProblemHttpResult>> BeginAsync(
        string? challengeToken, string client, HttpContext http, WardenDbContext db, LoginChallenges challenges, PasskeyRelyingParty relyingParty,
        PasskeyCeremonies ceremonies, CancellationToken cancellationToken)
    {
        if (!relyingParty.Enabled)
        {
            return PasskeyRegistration.Unavailable();
        }

        var challenge = await challenges.FindAsync(challengeToken, LoginChallengeKind.SecondFactor, cancellationToken);
        var user = challenge is null ? null : await db.Users.SingleOrDefaultAsync(u => u.Id == challenge.UserId, cancellationToken);
        if (challenge?.Session is not { State: SessionState.PendingSecondFactor, RevokedAt: null } session || session.Client != client || user is null)
        {
            return InvalidChallenge();
        }

        if (!await db.UserPasskeys.AnyAsync(p => p.UserId == user.Id, cancellationToken))
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.MethodUnavailable, "This account has no passkey.");
        }

        return TypedResults.Ok(new PasskeyOptionsResponse(
            await ceremonies.BeginAssertionAsync(PasskeyCeremony.SecondFactor, user, session.Id, http, cancellationToken)));
    }

    public static async Task<Results<Ok<TokenResponse>, Ok<LoginChallengeResponse>, ProblemHttpResult, ValidationProblem>> VerifyAsync(
        PasskeySecondFactorRequest request, HttpContext http, WardenDbContext db, LoginChallenges challenges, LoginThrottle throttle,
        PasskeyCeremonies ceremonies, SignInCompletion completion, ExpiredPassword expiredPassword, SessionCache sessionCache,
        TimeProvider time, IOptions<AuthenticationOptions> options, CancellationToken cancellationToken)
    {
        var step = await CheckAsync(request, SessionClients.Api, http, db, challenges, throttle, ceremonies, expiredPassword, time, options, cancellationToken);
        return await step.AnswerApiAsync(completion, sessionCache, cancellationToken);
    }

    /// <summary>The passkey counterpart of <see cref="LoginSecondFactor.VerifyCodeAsync"/>, for the API and the pages alike.</summary>
    public static async Task<LoginSecondFactor.CodeStep> CheckAsync(
        PasskeySecondFactorRequest request, string client, HttpContext http, WardenDbContext db, LoginChallenges challenges, LoginThrottle throttle,
        PasskeyCeremonies ceremonies, ExpiredPassword expiredPassword, TimeProvider time, IOptions<AuthenticationOptions> options,
        CancellationToken cancellationToken)
    {
        if (request.Credential is not { ValueKind: JsonValueKind.Object } credential)
        {
            return ApiProblems.Validation("credential", "The credential from navigator.credentials.get() is required.");
        }

        var challenge = await challenges.FindAsync(request.ChallengeToken, LoginChallengeKind.SecondFactor, cancellationToken);
        var user = challenge is null ? null : await db.Users.SingleOrDefaultAsync(u => u.Id == challenge.UserId, cancellationToken);
        if (challenge?.Session is null || user is null || challenge.Session.State != SessionState.PendingSecondFactor || challenge.Session.RevokedAt is not null
            || challenge.Session.Client != client || !await challenges.TryCountAttemptAsync(challenge, cancellationToken))
        {
            return InvalidChallenge();
        }

        var key = LoginThrottle.AccountKey(user);
        if (await throttle.TryBeginAsync(key, cancellationToken) is { } retryAfter)
        {
            http.Response.Headers.RetryAfter = RateLimitProblems.Seconds(retryAfter);
            return ApiProblems.Problem(StatusCodes.Status423Locked, ProblemCodes.AccountLocked, "Too many failed attempts. Try again later.");
        }

        var json = credential.GetRawText();
        var row = await ceremonies.ConsumeAsync(json, PasskeyCeremony.SecondFactor, cancellationToken);
        var assertion = row is null || row.UserId != user.Id || row.SessionId != challenge.SessionId ? null : await ceremonies.AssertAsync(row, json, http);
        var now = time.GetUtcNow();
        if (assertion?.User?.Id != user.Id)
        {
            await LoginSecondFactor.RecordWrongAnswerAsync(user, key, throttle, db, now, options.Value.LockoutDuration, cancellationToken);
            return ApiProblems.Problem(StatusCodes.Status401Unauthorized, ProblemCodes.PasskeyRejected, "The passkey could not be verified. Try again.");
        }

        if (await challenges.ConsumeAsync(request.ChallengeToken, LoginChallengeKind.SecondFactor, cancellationToken) is null)
        {
            return InvalidChallenge();
        }

        var session = await db.Sessions.SingleAsync(s => s.Id == challenge.SessionId, cancellationToken);
        db.AddEvent(EventTypes.TwoFactorVerified, user.Id, new { userId = user.Id, sessionId = session.Id, method = SecondFactorMethods.Passkey }, now);
        if (expiredPassword.IsExpired(user, now))
        {
            return new LoginSecondFactor.CodeStep(user, session, Amr, await expiredPassword.ContinueAfterSecondFactorAsync(user, session, Amr, cancellationToken), null, null);
        }

        return new LoginSecondFactor.CodeStep(user, session, Amr, null, null, null);
    }

    private static ProblemHttpResult InvalidChallenge() =>
        ApiProblems.Problem(StatusCodes.Status401Unauthorized, ProblemCodes.TokenInvalid, "The sign-in challenge is invalid, expired or already used. Sign in again.");
}
