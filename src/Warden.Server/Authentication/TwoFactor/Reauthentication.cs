using Microsoft.AspNetCore.Identity;
using Warden.Server.Authentication.Login;
using Warden.Server.Users;

namespace Warden.Server.Authentication.TwoFactor;

/// <summary>
/// Proof that the person at the keyboard is the account holder before something sensitive (turning off a
/// factor, replacing the authenticator, erasing the account): the password or a current second-factor code.
/// Wrong answers lock re-authentication after a few tries, so this is no oracle for guessing passwords.
/// </summary>
public sealed class Reauthentication(IPasswordHasher<User> hasher, SecondFactorVerifier verifier, LoginThrottle throttle)
{
    public enum Outcome
    {
        Confirmed,
        Missing,
        Wrong,
        Locked,
    }

    public async Task<Outcome> ConfirmAsync(User user, string? password, string? code, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(password) && string.IsNullOrWhiteSpace(code))
        {
            return Outcome.Missing;
        }

        // Its own counter, apart from sign-in's: someone holding a stolen access token must not be able to
        // lock the owner out of signing in by failing here.
        var key = Profiles.Reauthentication.ThrottleKey(user.Id);
        if (await throttle.TryBeginAsync(key, cancellationToken) is not null)
        {
            return Outcome.Locked;
        }

        var confirmed = !string.IsNullOrEmpty(password)
            ? password.Length <= Authentication.Login.Login.MaxPasswordLength && user.PasswordHash is not null
              && hasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed
            : await verifier.VerifyTotpAsync(user.Id, code!.Trim(), cancellationToken);
        if (!confirmed)
        {
            await throttle.FailAsync(key, cancellationToken);
            return Outcome.Wrong;
        }

        await throttle.ReleaseAsync(key, cancellationToken);
        return Outcome.Confirmed;
    }

    /// <summary>The problem to answer for anything but <see cref="Outcome.Confirmed"/>.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Problem(Outcome outcome) => outcome switch
    {
        Outcome.Missing => Infrastructure.Http.ApiProblems.Problem(StatusCodes.Status400BadRequest, ReauthenticationRequired,
            "Confirm with your password or a current authenticator code."),
        Outcome.Locked => Infrastructure.Http.ApiProblems.Problem(StatusCodes.Status423Locked, AuthProblemCodes.AccountLocked,
            "Too many failed attempts. Try again later."),
        _ => Infrastructure.Http.ApiProblems.Problem(StatusCodes.Status403Forbidden, ReauthenticationFailed,
            "The password or code is wrong."),
    };

    public const string ReauthenticationRequired = "reauthentication_required";
    public const string ReauthenticationFailed = "reauthentication_failed";
}
