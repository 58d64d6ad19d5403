using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Login;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Passkeys;

public sealed record PasskeySignInRequest(JsonElement? Credential, bool? RememberMe);

/// <summary>
/// Signing in with a passkey alone. The options name no account (<c>allowCredentials</c> is empty: the
/// authenticator offers its discoverable credentials), so asking for them reveals nothing; the answer names the
/// account through its user handle, and Identity's handler checks signature, origin, RP id and sign count. With user
/// verification (PIN, biometrics) the passkey is two factors in one (<c>amr</c>: <c>hwk user mfa</c>) and the
/// session is as good as one with a password and a second factor; without it, it is one factor
/// (<c>hwk</c>) and refused for accounts that have two-step sign-in on.
/// </summary>
public static class PasskeySignIn
{
    public const string VerifiedAmr = "hwk user mfa";
    public const string PresenceOnlyAmr = "hwk";

    public static async Task<Results<Ok<PasskeyOptionsResponse>, ProblemHttpResult>> OptionsAsync(
        HttpContext http, PasskeyRelyingParty relyingParty, PasskeyCeremonies ceremonies, CancellationToken cancellationToken) =>
        relyingParty.Enabled
            ? TypedResults.Ok(new PasskeyOptionsResponse(await ceremonies.BeginAssertionAsync(PasskeyCeremony.SignIn, null, null, http, cancellationToken)))
            : PasskeyRegistration.Unavailable();

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult, ValidationProblem>> VerifyAsync(
        PasskeySignInRequest request, HttpContext http, WardenDbContext db, PasskeyRelyingParty relyingParty, PasskeyCeremonies ceremonies,
        SignInCompletion completion, TimeProvider time, CancellationToken cancellationToken)
    {
        var step = await CheckAsync(request.Credential, http, db, relyingParty, ceremonies, time, cancellationToken);
        if (step.Invalid is { } invalid)
        {
            return invalid;
        }

        if (step.Problem is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok(await completion.CompleteAsync(step.User!, request.RememberMe ?? false, step.Amr!, http, cancellationToken));
    }

    /// <summary>A verified passkey sign-in: the user and the amr its session gets, or why not (exactly one is set).</summary>
    public sealed record PasskeyStep(User? User, string? Amr, ProblemHttpResult? Problem, ValidationProblem? Invalid)
    {
        public static implicit operator PasskeyStep(ProblemHttpResult problem) => new(null, null, problem, null);

        public static implicit operator PasskeyStep(ValidationProblem invalid) => new(null, null, null, invalid);
    }

    /// <summary>The one check behind the API's sign-in and the sign-in page's passkey button.</summary>
    public static async Task<PasskeyStep> CheckAsync(
        JsonElement? credential, HttpContext http, WardenDbContext db, PasskeyRelyingParty relyingParty, PasskeyCeremonies ceremonies,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (!relyingParty.Enabled)
        {
            return PasskeyRegistration.Unavailable();
        }

        if (credential is not { ValueKind: JsonValueKind.Object } value)
        {
            return ApiProblems.Validation("credential", "The credential from navigator.credentials.get() is required.");
        }

        var json = value.GetRawText();
        var now = time.GetUtcNow();
        var row = await ceremonies.ConsumeAsync(json, PasskeyCeremony.SignIn, cancellationToken);
        var assertion = row is null ? null : await ceremonies.AssertAsync(row, json, http);
        if (assertion?.User is not { } user || user.Status == UserStatus.Deleted)
        {
            db.ChangeTracker.Clear();
            db.AddEvent(EventTypes.LoginFailed, null, new { reason = ProblemCodes.PasskeyRejected }, now);
            await db.SaveChangesAsync(cancellationToken);
            return Rejected();
        }

        // The passkey proved who this is; only now may the account's state be told, as after a right password.
        if (await Login.Login.RefuseUnusableAccountAsync(user, db, now, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (!assertion.UserVerified && user.TwoFactorEnabled)
        {
            db.AddEvent(EventTypes.LoginFailed, user.Id, new { reason = ProblemCodes.UserVerificationRequired }, now);
            await db.SaveChangesAsync(cancellationToken);
            return ApiProblems.Problem(StatusCodes.Status401Unauthorized, ProblemCodes.UserVerificationRequired,
                "This account needs two-step sign-in: use a passkey that asks for your PIN or biometrics, or sign in with your password.");
        }

        return new PasskeyStep(user, assertion.UserVerified ? VerifiedAmr : PresenceOnlyAmr, null, null);
    }

    private static ProblemHttpResult Rejected() =>
        ApiProblems.Problem(StatusCodes.Status401Unauthorized, ProblemCodes.PasskeyRejected, "The passkey could not be verified. Try again.");
}
