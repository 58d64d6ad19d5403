using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Passkeys;

public sealed record PasskeyRegistrationOptionsRequest(string? Password, string? Code);

/// <summary>WebAuthn options for <c>navigator.credentials.create()</c> / <c>.get()</c>, as JSON (binary members base64url).</summary>
public sealed record PasskeyOptionsResponse(JsonElement Options);

public sealed record PasskeyRegistrationRequest(JsonElement? Credential, string? Name);

/// <summary>
/// Adding a passkey: options, then the authenticator's attestation. Both halves belong to the signed-in session;
/// the options need a recent re-authentication on it (<see cref="Reauthentication"/>), because a new passkey is a
/// new way into the account — what a thief of a session would add first.
/// </summary>
public static class PasskeyRegistration
{
    public const int MaxNameLength = 64;

    public static Task<Results<Ok<PasskeyOptionsResponse>, ProblemHttpResult>> OptionsAsync(
        PasskeyRegistrationOptionsRequest? request, ClaimsPrincipal principal, HttpContext http, WardenDbContext db, Reauthentication reauthentication,
        PasskeyRelyingParty relyingParty, PasskeyCeremonies ceremonies, CancellationToken cancellationToken) =>
        BeginAsync(principal.UserId(), principal.SessionId(), request, http, db, reauthentication, relyingParty, ceremonies, cancellationToken);

    public static async Task<Results<Ok<PasskeyOptionsResponse>, ProblemHttpResult>> BeginAsync(
        Guid userId, Guid sessionId, PasskeyRegistrationOptionsRequest? request, HttpContext http, WardenDbContext db, Reauthentication reauthentication,
        PasskeyRelyingParty relyingParty, PasskeyCeremonies ceremonies, CancellationToken cancellationToken)
    {
        if (!relyingParty.Enabled)
        {
            return Unavailable();
        }

        var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);
        if (await reauthentication.CheckAsync(user, sessionId, request?.Password, request?.Code, cancellationToken) is { } refused)
        {
            return refused;
        }

        return TypedResults.Ok(new PasskeyOptionsResponse(await ceremonies.BeginRegistrationAsync(user, sessionId, http, cancellationToken)));
    }

    public static Task<Results<Created<PasskeyView>, ProblemHttpResult, ValidationProblem>> VerifyAsync(
        PasskeyRegistrationRequest request, ClaimsPrincipal principal, HttpContext http, WardenDbContext db, UserManager<User> users,
        PasskeyRelyingParty relyingParty, PasskeyCeremonies ceremonies, TimeProvider time, CancellationToken cancellationToken) =>
        FinishAsync(principal.UserId(), principal.SessionId(), request, http, db, users, relyingParty, ceremonies, time, cancellationToken);

    public static async Task<Results<Created<PasskeyView>, ProblemHttpResult, ValidationProblem>> FinishAsync(
        Guid userId, Guid sessionId, PasskeyRegistrationRequest request, HttpContext http, WardenDbContext db, UserManager<User> users,
        PasskeyRelyingParty relyingParty, PasskeyCeremonies ceremonies, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!relyingParty.Enabled)
        {
            return Unavailable();
        }

        var name = string.IsNullOrWhiteSpace(request.Name) ? "Passkey" : request.Name.Trim();
        if (name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            return ApiProblems.Validation("name", $"The name is at most {MaxNameLength} characters, without control characters.");
        }

        if (request.Credential is not { ValueKind: JsonValueKind.Object } credential)
        {
            return ApiProblems.Validation("credential", "The credential from navigator.credentials.create() is required.");
        }

        var json = credential.GetRawText();
        var row = await ceremonies.ConsumeAsync(json, PasskeyCeremony.Registration, cancellationToken);
        // Bound to the user and the session that asked for the options (after re-authenticating).
        if (row is null || row.UserId != userId || row.SessionId != sessionId)
        {
            return Rejected();
        }

        var result = await ceremonies.AttestAsync(row, json, http);
        if (!result.Succeeded || result.UserEntity.Id != userId.ToString())
        {
            return Rejected(result.Failure?.Message);
        }

        var user = await users.FindByIdAsync(userId.ToString());
        if (user is null || user.Status == UserStatus.Deleted)
        {
            return Rejected();
        }

        var passkey = result.Passkey;
        passkey.Name = name;
        var now = time.GetUtcNow();
        var id = PasskeyView.IdOf(passkey.CredentialId);
        // Saved with the passkey by the user manager's update: no passkey without its event, no event without it.
        db.AddEvent(EventTypes.PasskeyAdded, user.Id, new { userId = user.Id, passkeyId = id, name, userVerified = passkey.IsUserVerified, backedUp = passkey.IsBackedUp }, now);
        var saved = await users.AddOrUpdatePasskeyAsync(user, passkey);
        if (!saved.Succeeded)
        {
            return Rejected();
        }

        return TypedResults.Created($"/api/v1/users/passkeys/{id}", PasskeyView.From(passkey));
    }

    internal static ProblemHttpResult Unavailable() =>
        ApiProblems.Problem(StatusCodes.Status404NotFound, ProblemCodes.PasskeysUnavailable,
            "Passkeys are not available on this server.", "Set Warden:PublicBaseUrl to a domain name (or Warden:Passkeys:RelyingPartyId).");

    internal static ProblemHttpResult Rejected(string? detail = null) =>
        ApiProblems.Problem(StatusCodes.Status400BadRequest, ProblemCodes.PasskeyRejected,
            "The passkey could not be verified. Start again.", detail);
}
