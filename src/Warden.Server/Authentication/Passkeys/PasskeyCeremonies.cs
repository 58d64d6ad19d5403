using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Passkeys;

/// <summary>
/// Starts and finishes WebAuthn ceremonies with Identity's <see cref="IPasskeyHandler{TUser}"/> doing the cryptography,
/// and the state between the two halves in a <see cref="PasskeyChallenge"/> row instead of Identity's cookie: Warden
/// signs in with tokens, and any node must be able to finish what another started. The answer's signed challenge
/// finds the row, and one conditional update spends it before anything is checked, so a challenge is good for one
/// answer only (a replay, or a second answer racing the first, finds nothing).
/// </summary>
public sealed class PasskeyCeremonies(
    WardenDbContext db, IPasskeyHandler<User> handler, UserManager<User> users, TimeProvider time, IOptions<PasskeyOptions> options)
{
    /// <summary>The largest credential JSON accepted; real ones are a few kilobytes.</summary>
    public const int MaxCredentialLength = 64 * 1024;

    public async Task<JsonElement> BeginRegistrationAsync(User user, Guid sessionId, HttpContext http, CancellationToken cancellationToken)
    {
        var entity = new PasskeyUserEntity { Id = user.Id.ToString(), Name = user.Email!, DisplayName = user.UserName ?? user.Email! };
        var result = await handler.MakeCreationOptionsAsync(entity, http);
        return await SaveAsync(PasskeyCeremony.Registration, result.CreationOptionsJson, result.AttestationState, user.Id, sessionId, cancellationToken);
    }

    /// <summary>
    /// Options for an assertion. Without a user (a sign-in by passkey alone) <c>allowCredentials</c> is empty, so the
    /// options say nothing about any account; with one (a second factor, re-authentication) they list its passkeys.
    /// </summary>
    public async Task<JsonElement> BeginAssertionAsync(PasskeyCeremony ceremony, User? user, Guid? sessionId, HttpContext http, CancellationToken cancellationToken)
    {
        var result = await handler.MakeRequestOptionsAsync(user, http);
        return await SaveAsync(ceremony, result.RequestOptionsJson, result.AssertionState, user?.Id, sessionId, cancellationToken);
    }

    /// <summary>Spends the ceremony the credential answers; null when it is unknown, of another kind, expired or already spent.</summary>
    public async Task<PasskeyChallenge?> ConsumeAsync(string? credentialJson, PasskeyCeremony ceremony, CancellationToken cancellationToken)
    {
        if (SignedChallenge(credentialJson) is not { } challenge)
        {
            return null;
        }

        var hash = SHA256.HashData(challenge);
        var now = time.GetUtcNow();
        var spent = await db.PasskeyChallenges
            .Where(c => c.ChallengeHash == hash && c.Ceremony == ceremony && c.ConsumedAt == null && c.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ConsumedAt, now), cancellationToken);
        return spent == 0 ? null : await db.PasskeyChallenges.AsNoTracking().SingleAsync(c => c.ChallengeHash == hash, cancellationToken);
    }

    public async Task<PasskeyAttestationResult> AttestAsync(PasskeyChallenge row, string credentialJson, HttpContext http) =>
        await handler.PerformAttestationAsync(new PasskeyAttestationContext { HttpContext = http, CredentialJson = credentialJson, AttestationState = row.State });

    /// <summary>
    /// Verifies an assertion and, when it holds, stores the passkey's new sign count. Identity's handler refuses a
    /// count that does not rise, except when both the stored and the presented count are 0 (synced passkeys keep 0).
    /// </summary>
    public async Task<Assertion?> AssertAsync(PasskeyChallenge row, string credentialJson, HttpContext http)
    {
        var result = await handler.PerformAssertionAsync(new PasskeyAssertionContext { HttpContext = http, CredentialJson = credentialJson, AssertionState = row.State });
        if (!result.Succeeded)
        {
            return new Assertion(null, null, false, result.Failure?.Message);
        }

        var update = await users.AddOrUpdatePasskeyAsync(result.User, result.Passkey);
        return update.Succeeded
            ? new Assertion(result.User, result.Passkey, UserVerified(credentialJson), null)
            : new Assertion(null, null, false, "The passkey could not be updated.");
    }

    /// <summary>The verified user and passkey (both null when refused) and whether the authenticator verified the user (PIN, biometrics).</summary>
    public sealed record Assertion(User? User, UserPasskeyInfo? Passkey, bool UserVerified, string? Failure);

    private async Task<JsonElement> SaveAsync(
        PasskeyCeremony ceremony, string optionsJson, string? state, Guid? userId, Guid? sessionId, CancellationToken cancellationToken)
    {
        var parsed = JsonDocument.Parse(optionsJson).RootElement.Clone();
        var challenge = Base64Url.DecodeFromChars(parsed.GetProperty("challenge").GetString());
        var now = time.GetUtcNow();
        db.PasskeyChallenges.Add(new PasskeyChallenge
        {
            Ceremony = ceremony,
            ChallengeHash = SHA256.HashData(challenge),
            UserId = userId,
            SessionId = sessionId,
            State = state ?? throw new InvalidOperationException("The passkey handler returned no ceremony state."),
            CreatedAt = now,
            ExpiresAt = now + options.Value.ChallengeLifetime,
        });
        await db.SaveChangesAsync(cancellationToken);
        return parsed;
    }

    /// <summary>The challenge inside the credential's clientDataJSON (verified against the row by the handler afterwards).</summary>
    private static byte[]? SignedChallenge(string? credentialJson)
    {
        if (string.IsNullOrEmpty(credentialJson) || credentialJson.Length > MaxCredentialLength)
        {
            return null;
        }

        try
        {
            using var credential = JsonDocument.Parse(credentialJson);
            var clientDataJson = Base64Url.DecodeFromChars(credential.RootElement.GetProperty("response").GetProperty("clientDataJSON").GetString());
            using var clientData = JsonDocument.Parse(clientDataJson);
            var challenge = Base64Url.DecodeFromChars(clientData.RootElement.GetProperty("challenge").GetString());
            return challenge.Length is >= 16 and <= 64 ? challenge : null;
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException or ArgumentNullException)
        {
            return null;
        }
    }

    /// <summary>The UV flag (bit 2 of the flags byte after the 32-byte RP id hash) of the assertion's authenticator data.</summary>
    private static bool UserVerified(string credentialJson)
    {
        using var credential = JsonDocument.Parse(credentialJson);
        var data = Base64Url.DecodeFromChars(credential.RootElement.GetProperty("response").GetProperty("authenticatorData").GetString());
        return data.Length > 32 && (data[32] & 0x04) != 0;
    }
}
