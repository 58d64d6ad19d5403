using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Login;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Passkeys;

public sealed record PasskeyReauthenticationRequest(JsonElement? Credential);

/// <summary>
/// Re-authentication with one of the caller's passkeys instead of the password (and code): only an assertion with
/// user verification counts, since presence alone is a single factor. A good one stamps the session like a
/// password would (<see cref="Reauthentication.StampAsync"/>), so the sensitive change that follows within the
/// window needs nothing more; a refused one counts towards re-authentication's own lock.
/// </summary>
public static class PasskeyReauthentication
{
    public static Task<Results<Ok<PasskeyOptionsResponse>, ProblemHttpResult>> OptionsAsync(
        ClaimsPrincipal principal, HttpContext http, WardenDbContext db, PasskeyRelyingParty relyingParty, PasskeyCeremonies ceremonies,
        CancellationToken cancellationToken) =>
        BeginAsync(principal.UserId(), principal.SessionId(), http, db, relyingParty, ceremonies, cancellationToken);

    public static async Task<Results<Ok<PasskeyOptionsResponse>, ProblemHttpResult>> BeginAsync(
        Guid userId, Guid sessionId, HttpContext http, WardenDbContext db, PasskeyRelyingParty relyingParty, PasskeyCeremonies ceremonies,
        CancellationToken cancellationToken)
    {
        if (!relyingParty.Enabled)
        {
            return PasskeyRegistration.Unavailable();
        }

        var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);
        if (!await db.UserPasskeys.AnyAsync(p => p.UserId == userId, cancellationToken))
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.MethodUnavailable, "This account has no passkey.");
        }

        return TypedResults.Ok(new PasskeyOptionsResponse(
            await ceremonies.BeginAssertionAsync(PasskeyCeremony.Reauthentication, user, sessionId, http, cancellationToken)));
    }

    public static Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> VerifyAsync(
        PasskeyReauthenticationRequest request, ClaimsPrincipal principal, HttpContext http, LoginThrottle throttle, Reauthentication reauthentication,
        PasskeyRelyingParty relyingParty, PasskeyCeremonies ceremonies, CancellationToken cancellationToken) =>
        FinishAsync(principal.UserId(), principal.SessionId(), request, http, throttle, reauthentication, relyingParty, ceremonies, cancellationToken);

    public static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> FinishAsync(
        Guid userId, Guid sessionId, PasskeyReauthenticationRequest request, HttpContext http, LoginThrottle throttle, Reauthentication reauthentication,
        PasskeyRelyingParty relyingParty, PasskeyCeremonies ceremonies, CancellationToken cancellationToken)
    {
        if (!relyingParty.Enabled)
        {
            return PasskeyRegistration.Unavailable();
        }

        if (request.Credential is not { ValueKind: JsonValueKind.Object } credential)
        {
            return ApiProblems.Validation("credential", "The credential from navigator.credentials.get() is required.");
        }

        var key = Reauthentication.ThrottleKey(userId);
        if (await throttle.TryBeginAsync(key, cancellationToken) is { } retryAfter)
        {
            http.Response.Headers.RetryAfter = RateLimitProblems.Seconds(retryAfter);
            return ApiProblems.Problem(StatusCodes.Status429TooManyRequests, ProblemCodes.ReauthenticationLocked,
                "Too many failed confirmations. Try again later.", $"Try again in {Math.Ceiling(retryAfter.TotalMinutes)} minutes.");
        }

        var json = credential.GetRawText();
        var row = await ceremonies.ConsumeAsync(json, PasskeyCeremony.Reauthentication, cancellationToken);
        var assertion = row is null || row.UserId != userId || row.SessionId != sessionId ? null : await ceremonies.AssertAsync(row, json, http);
        if (assertion?.User?.Id != userId || !assertion.UserVerified)
        {
            await throttle.FailAsync(key, cancellationToken);
            return ApiProblems.Problem(StatusCodes.Status403Forbidden, ProblemCodes.ReauthenticationFailed,
                "The passkey could not confirm it is you (it must ask for your PIN or biometrics).");
        }

        await reauthentication.StampAsync(userId, sessionId, cancellationToken);
        return TypedResults.NoContent();
    }
}
