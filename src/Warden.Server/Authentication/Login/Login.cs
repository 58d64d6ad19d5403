using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Login;

public sealed record LoginRequest(string? Email, string? Username, string? Password, bool? RememberMe);

/// <summary>Returned instead of tokens when the password was right but sign-in is not finished.</summary>
public sealed record LoginChallengeResponse(bool? Requires2fa, bool? PasswordChangeRequired, string ChallengeToken, IReadOnlyList<string>? Methods);

/// <summary>
/// "User Login": verify the credentials, then either finish sign-in with tokens or hand out a challenge for
/// the second factor. Every failure before the password is known to be right looks the same.
/// </summary>
public static class Login
{
    public const int MaxPasswordLength = 1024;

    public static async Task<Results<Ok<TokenResponse>, Ok<LoginChallengeResponse>, ProblemHttpResult, ValidationProblem>> HandleAsync(
        LoginRequest request,
        HttpContext http,
        WardenDbContext db,
        UserManager<User> users,
        IPasswordHasher<User> hasher,
        DummyPasswordHash dummyHash,
        LoginThrottle throttle,
        CredentialStuffingGuard stuffing,
        LoginRateLimiter rateLimiter,
        SignInCompletion completion,
        LoginChallenges challenges,
        ExpiredPassword expiredPassword,
        TimeProvider time,
        IOptions<AuthenticationOptions> options,
        CancellationToken cancellationToken)
    {
        var step = await CheckPasswordAsync(request, http, db, users, hasher, dummyHash, throttle, stuffing, rateLimiter, time, options, cancellationToken);
        if (step.Invalid is { } invalid)
        {
            return invalid;
        }

        if (step.Problem is { } problem)
        {
            return problem;
        }

        var rememberMe = request.RememberMe ?? false;
        var challenge = await ChallengeAfterPasswordAsync(step.User!, rememberMe, SessionClients.Api, http, challenges, expiredPassword, time, cancellationToken);
        return challenge is not null
            ? TypedResults.Ok(challenge)
            : TypedResults.Ok(await completion.CompleteAsync(step.User!, rememberMe, "pwd", http, cancellationToken));
    }

    /// <summary>
    /// What stands between a right password and a finished sign-in, for the API and the account pages alike
    /// (<paramref name="client"/> names the session it starts): a second-factor challenge, a password-change
    /// challenge, or nothing (null: the caller finishes the sign-in now).
    /// </summary>
    public static async Task<LoginChallengeResponse?> ChallengeAfterPasswordAsync(
        User user, bool rememberMe, string client, HttpContext http, LoginChallenges challenges, ExpiredPassword expiredPassword, TimeProvider time,
        CancellationToken cancellationToken)
    {
        // The second factor comes before anything else, an expired password included: the password alone must never
        // be enough to replace the password (and end every session) of someone who has a second factor. Its
        // expiry is asked once the second factor is verified (LoginSecondFactor.VerifyAsync).
        if (user.TwoFactorEnabled)
        {
            return await challenges.StartSecondFactorAsync(user, rememberMe, http, cancellationToken, client);
        }

        // An expired password (Warden:Passwords:MaxAge) still proves who this is but earns no token until it is
        // replaced (ExpiredPassword.HandleAsync); for this user it is the only factor, so the change may follow.
        if (expiredPassword.IsExpired(user, time.GetUtcNow()))
        {
            return await expiredPassword.StartChallengeAsync(user, rememberMe, http, cancellationToken, client);
        }

        return null;
    }

    /// <summary>The password step's answer: the user whose password was right, or why not (exactly one is set).</summary>
    public sealed record PasswordStep(User? User, ProblemHttpResult? Problem, ValidationProblem? Invalid)
    {
        public static implicit operator PasswordStep(ProblemHttpResult problem) => new(null, problem, null);

        public static implicit operator PasswordStep(ValidationProblem invalid) => new(null, null, invalid);
    }

    /// <summary>
    /// Checks the identifier and password, with the rate limit, the lockout, the dummy hash for unknown accounts and
    /// the account's state revealed only once the password is proven: the one implementation behind the API's
    /// <c>POST /auth/login</c> and the sign-in page.
    /// </summary>
    public static async Task<PasswordStep> CheckPasswordAsync(
        LoginRequest request,
        HttpContext http,
        WardenDbContext db,
        UserManager<User> users,
        IPasswordHasher<User> hasher,
        DummyPasswordHash dummyHash,
        LoginThrottle throttle,
        CredentialStuffingGuard stuffing,
        LoginRateLimiter rateLimiter,
        TimeProvider time,
        IOptions<AuthenticationOptions> options,
        CancellationToken cancellationToken)
    {
        var byEmail = !string.IsNullOrWhiteSpace(request.Email);
        var identifier = byEmail ? request.Email!.Trim() : request.Username?.Trim();
        if (string.IsNullOrEmpty(identifier) || string.IsNullOrEmpty(request.Password))
        {
            var errors = new Dictionary<string, string[]>();
            if (string.IsNullOrEmpty(identifier))
            {
                errors["email"] = ["An email address or username is required."];
            }

            if (string.IsNullOrEmpty(request.Password))
            {
                errors["password"] = ["A password is required."];
            }

            return ApiProblems.Validation(errors);
        }

        if (identifier.Length > EmailAddress.MaxLength || request.Password.Length > MaxPasswordLength)
        {
            // Nothing that long can match; answering early reveals nothing about any account.
            return InvalidCredentials();
        }

        var normalized = byEmail ? users.NormalizeEmail(identifier) : users.NormalizeName(identifier);
        var identifierKey = byEmail ? LoginThrottle.EmailKey(normalized) : LoginThrottle.UsernameKey(normalized);
        using (var lease = await rateLimiter.AcquireAsync(identifierKey, cancellationToken))
        {
            if (!lease.IsAcquired)
            {
                return RateLimitProblems.TooManyRequests(http, lease);
            }
        }

        var user = byEmail
            ? await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, cancellationToken)
            : await db.Users.SingleOrDefaultAsync(u => u.NormalizedUserName == normalized, cancellationToken);

        // An identifier that names an account counts on the account, whichever of its identifiers was typed; one that
        // names none counts on itself. Either way one reservation, before any hash: same statements, same answers.
        var key = user is null ? identifierKey : LoginThrottle.AccountKey(user);
        var locked = await throttle.TryBeginAsync(key, cancellationToken);
        if (locked is { } retryAfter)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ApiProblems.Problem(StatusCodes.Status423Locked, ProblemCodes.AccountLocked,
                "Too many failed sign-in attempts. Try again later.");
        }

        var now = time.GetUtcNow();
        // The slot is awaited, not blocked on: a flood of sign-ins must not starve the node's thread pool.
        var verification = await hasher.RunInSlotAsync(() => user is { PasswordHash: not null } && user.Status != UserStatus.Deleted
            ? hasher.VerifyHashedPassword(user, user.PasswordHash, request.Password)
            : VerifyDummy(hasher, dummyHash, request.Password), cancellationToken);

        // Just-in-time migration (Warden:Migration:Upstream): only for an address Warden has no account for, never for
        // one it knows, whatever the password. The dummy hash above ran all the same, so this path is never faster.
        // Resolved here rather than injected so the callers of this shared check need not change.
        if (user is null && byEmail && http.RequestServices.GetService<Migration.UpstreamMigration>() is { Enabled: true } upstream
            && await upstream.TryMigrateAsync(identifier, request.Password, cancellationToken) is { } migrated)
        {
            user = migrated;
            verification = PasswordVerificationResult.Success;
        }

        if (verification == PasswordVerificationResult.Failed || user is null)
        {
            var justLocked = await throttle.FailAsync(key, cancellationToken);
            if (justLocked && user is not null)
            {
                db.AddEvent(EventTypes.UserLocked, user.Id, new { userId = user.Id, until = now + options.Value.LockoutDuration }, now);
            }

            db.AddEvent(EventTypes.LoginFailed, user?.Id, new { reason = "invalid_credentials" }, now);
            await db.SaveChangesAsync(cancellationToken);
            // Counted alike for identifiers with and without an account (same statements): many of them from one
            // client is credential stuffing, whatever exists.
            await stuffing.FailedAsync(http, key, cancellationToken);
            return InvalidCredentials();
        }

        if (verification == PasswordVerificationResult.SuccessRehashNeeded)
        {
            // Upgraded now, while the plain password is at hand; saved with the sign-in below.
            user.PasswordHash = hasher.HashPassword(user, request.Password);
        }

        // Only now, with the password proven, may the account's state be revealed.
        if (await RefuseUnusableAccountAsync(user, db, now, cancellationToken) is { } refused)
        {
            return refused;
        }

        return new PasswordStep(user, null, null);
    }

    private static PasswordVerificationResult VerifyDummy(IPasswordHasher<User> hasher, DummyPasswordHash dummy, string password)
    {
        _ = hasher.VerifyHashedPassword(new User(), dummy.Value, password);
        return PasswordVerificationResult.Failed;
    }

    private static ProblemHttpResult InvalidCredentials() =>
        ApiProblems.Problem(StatusCodes.Status401Unauthorized, ProblemCodes.InvalidCredentials, "The email, username or password is wrong.");

    /// <summary>
    /// After the proof (a password, a passkey) and only then: the refusal an unverified or suspended account gets, with
    /// its failed sign-in event; null when the account may sign in.
    /// </summary>
    public static async Task<ProblemHttpResult?> RefuseUnusableAccountAsync(User user, WardenDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (user.Status is UserStatus.PendingVerification or UserStatus.Suspended)
        {
            var (code, title) = user.Status == UserStatus.PendingVerification
                ? (ProblemCodes.EmailNotVerified, "Verify your email address before signing in.")
                : (ProblemCodes.AccountSuspended, "This account is suspended.");
            db.AddEvent(EventTypes.LoginFailed, user.Id, new { reason = code }, now);
            await db.SaveChangesAsync(cancellationToken);
            return ApiProblems.Problem(StatusCodes.Status403Forbidden, code, title);
        }

        return null;
    }
}
