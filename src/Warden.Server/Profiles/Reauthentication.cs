using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Warden.Server.Authentication.Login;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Profiles;

/// <summary>
/// Proof, for a sensitive change (email, phone, erasure), that the person at the keyboard is the account
/// holder and not someone who picked up a token. Wrong passwords count towards a per-user lock (the
/// <c>reauth:</c> identifier of <see cref="LoginThrottle"/>), so a stolen access token is no unlimited
/// password oracle; the lock is separate from sign-in's, so it cannot lock the owner out of signing in.
/// </summary>
public sealed class Reauthentication(IPasswordHasher<User> hasher, LoginThrottle throttle, Authentication.TwoFactor.SecondFactorVerifier verifier, Infrastructure.Database.WardenDbContext db)
{
    public const string InvalidPassword = "invalid_password";

    public static string ThrottleKey(Guid userId) => $"reauth:{userId:N}";

    /// <summary>Null when the password is right; otherwise the problem to answer.</summary>
    public async Task<ProblemHttpResult?> CheckAsync(User user, string? password, string? code, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(password))
        {
            return ProfileProblems.Validation("password", "Your password is required.");
        }

        if (password.Length > Login.MaxPasswordLength || user.PasswordHash is null)
        {
            return WrongPassword();
        }

        var key = ThrottleKey(user.Id);
        if (await throttle.TryBeginAsync(key, cancellationToken) is { } retryAfter)
        {
            return ApiProblems.Problem(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited,
                "Too many wrong passwords. Try again later.",
                $"Try again in {Math.Ceiling(retryAfter.TotalMinutes)} minutes.");
        }

        if (hasher.VerifyHashedPassword(user, user.PasswordHash, password) == PasswordVerificationResult.Failed)
        {
            await throttle.FailAsync(key, cancellationToken);
            return WrongPassword();
        }

        if (!await VerifySecondFactorAsync(user, code, cancellationToken))
        {
            return ApiProblems.Problem(StatusCodes.Status403Forbidden, ProfileProblems.InvalidCode, "The second-factor code is wrong.");
        }

        await throttle.ResetAsync([key], cancellationToken);
        return null;
    }

    /// <summary>
    /// With an authenticator on, the password alone is not enough: a current TOTP code (or a recovery code) must
    /// come with it, each spent as at sign-in. SMS-only users confirm with the password.
    /// </summary>
    private async Task<bool> VerifySecondFactorAsync(User user, string? code, CancellationToken cancellationToken)
    {
        var totpOn = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AnyAsync(
            db.TwoFactor, t => t.UserId == user.Id && t.TotpSecretProtected != null, cancellationToken);
        if (!totpOn)
        {
            return true;
        }

        return await verifier.VerifyAsync(user.Id, null, code, cancellationToken) is not null;
    }

    private static ProblemHttpResult WrongPassword() =>
        ApiProblems.Problem(StatusCodes.Status403Forbidden, InvalidPassword, "The password is wrong.");
}
