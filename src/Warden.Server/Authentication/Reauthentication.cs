using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication.Login;
using Warden.Server.Authentication.TwoFactor;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;
using Warden.Server.Infrastructure.Security;

namespace Warden.Server.Authentication;

/// <summary>
/// The one proof, before any sensitive change (a second factor or the phone added, changed or removed, the
/// email or password changed, recovery codes regenerated, the account erased), that the person at the
/// keyboard holds the account and did not merely pick up a token: a fresh primary proof (the password) plus,
/// when an authenticator is enrolled, a current code from it or a recovery code. Accounts whose only second
/// factor is SMS or email codes confirm with the password: no code is on its way to them here.
/// <para>
/// The API gives the proof with the request. The pages and the console may instead rely on a proof given on
/// the same session within <see cref="AuthenticationOptions.ReauthenticationWindow"/> (step-up): the proof
/// stamps the session, never a cookie of its own, so revoking the session ends the window too.
/// </para>
/// <para>
/// Wrong proofs count towards a lock of their own (<see cref="ThrottleKey"/> in <see cref="LoginThrottle"/>):
/// a stolen access token is no unlimited password oracle, and cannot lock the owner out of signing in.
/// One problem code answers a refused proof and one a locked one, so neither tells which half was wrong.
/// </para>
/// </summary>
public sealed class Reauthentication(
    IPasswordHasher<User> hasher,
    LoginThrottle throttle,
    SecondFactorVerifier secondFactor,
    WardenDbContext db,
    IOptions<AuthenticationOptions> options,
    IHttpContextAccessor http,
    TimeProvider time)
{
    public static string ThrottleKey(Guid userId) => $"reauth:{userId:N}";

    /// <summary>The proof given with this request. Null when it holds; otherwise the problem to answer.</summary>
    public Task<ProblemHttpResult?> CheckAsync(User user, string? password, string? code, CancellationToken cancellationToken) =>
        CheckAsync(user, null, password, code, cancellationToken);

    /// <summary>
    /// Step-up on a session: a proof given now is checked and stamps the session; without one, a proof given on
    /// this session within the window holds.
    /// </summary>
    public async Task<ProblemHttpResult?> CheckAsync(User user, Guid? sessionId, string? password, string? code, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(password) && string.IsNullOrWhiteSpace(code) && sessionId is { } recent
            && await ProvenOnSessionAsync(user.Id, recent, cancellationToken))
        {
            return null;
        }

        var totpEnrolled = await db.TwoFactor.AsNoTracking().AnyAsync(t => t.UserId == user.Id && t.TotpSecretProtected != null, cancellationToken);

        if (string.IsNullOrEmpty(password) || (totpEnrolled && string.IsNullOrWhiteSpace(code)))
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, ProblemCodes.ReauthenticationRequired,
                totpEnrolled
                    ? "Confirm with your password and a code from your authenticator app (or a recovery code)."
                    : "Confirm with your password.");
        }

        var key = ThrottleKey(user.Id);
        if (await throttle.TryBeginAsync(key, cancellationToken) is { } retryAfter)
        {
            if (http.HttpContext is { } context)
            {
                context.Response.Headers.RetryAfter = RateLimitProblems.Seconds(retryAfter);
            }

            return ApiProblems.Problem(StatusCodes.Status429TooManyRequests, ProblemCodes.ReauthenticationLocked,
                "Too many failed confirmations. Try again later.", $"Try again in {Math.Ceiling(retryAfter.TotalMinutes)} minutes.");
        }

        var proven = password.Length <= Login.Login.MaxPasswordLength && user.PasswordHash is not null
            && await hasher.RunInSlotAsync(() => hasher.VerifyHashedPassword(user, user.PasswordHash, password), cancellationToken)
                != PasswordVerificationResult.Failed
            && (!totpEnrolled || await secondFactor.VerifyAsync(user.Id, null, code!.Trim(), cancellationToken) is not null);
        if (!proven)
        {
            await throttle.FailAsync(key, cancellationToken);
            return ApiProblems.Problem(StatusCodes.Status403Forbidden, ProblemCodes.ReauthenticationFailed, "The password or code is wrong.");
        }

        await throttle.ResetAsync([key], cancellationToken);
        if (sessionId is { } current)
        {
            await StampAsync(user.Id, current, cancellationToken);
        }

        return null;
    }

    /// <summary>
    /// Records a proof given another way on the session: a passkey with user verification (Passkeys/PasskeyReauthentication)
    /// is possession and PIN or biometrics at once, as fresh a proof as the password and a code.
    /// </summary>
    public async Task StampAsync(Guid userId, Guid sessionId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await db.Sessions.Where(s => s.Id == sessionId && s.UserId == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.ReauthenticatedAt, now), cancellationToken);
        await throttle.ResetAsync([ThrottleKey(userId)], cancellationToken);
    }

    private async Task<bool> ProvenOnSessionAsync(Guid userId, Guid sessionId, CancellationToken cancellationToken)
    {
        var window = options.Value.ReauthenticationWindow;
        if (window <= TimeSpan.Zero)
        {
            return false;
        }

        var since = time.GetUtcNow() - window;
        return await db.Sessions.AsNoTracking().AnyAsync(
            s => s.Id == sessionId && s.UserId == userId && s.RevokedAt == null && s.ReauthenticatedAt >= since, cancellationToken);
    }
}
