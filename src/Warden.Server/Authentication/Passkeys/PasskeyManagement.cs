using System.Buffers.Text;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Passkeys;

/// <summary>A passkey as its owner sees it; <see cref="Id"/> is the credential id, base64url.</summary>
public sealed record PasskeyView(string Id, string Name, DateTimeOffset CreatedAt, bool UserVerified, bool BackedUp, IReadOnlyList<string> Transports)
{
    public static PasskeyView From(UserPasskeyInfo passkey) => new(
        IdOf(passkey.CredentialId), passkey.Name ?? "Passkey", passkey.CreatedAt, passkey.IsUserVerified, passkey.IsBackedUp, passkey.Transports ?? []);

    public static string IdOf(byte[] credentialId) => Base64Url.EncodeToString(credentialId);

    public static byte[]? ParseId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 1400)
        {
            return null;
        }

        try
        {
            return Base64Url.DecodeFromChars(id);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

public sealed record RenamePasskeyRequest(string? Name);

public sealed record RemovePasskeyRequest(string? Password, string? Code);

/// <summary>
/// The caller's own passkeys: list, rename, remove. Every lookup is by the caller's id and the credential id
/// together, so another user's passkey is simply not found (404), never touched.
/// </summary>
public static class PasskeyManagement
{
    public static async Task<Ok<IReadOnlyList<PasskeyView>>> ListAsync(ClaimsPrincipal principal, UserManager<User> users) =>
        TypedResults.Ok(await ListForAsync(principal.UserId(), users));

    public static async Task<IReadOnlyList<PasskeyView>> ListForAsync(Guid userId, UserManager<User> users)
    {
        var user = await users.FindByIdAsync(userId.ToString());
        return user is null ? [] : [.. (await users.GetPasskeysAsync(user)).OrderBy(p => p.CreatedAt).Select(PasskeyView.From)];
    }

    public static Task<Results<Ok<PasskeyView>, ProblemHttpResult, ValidationProblem>> RenameAsync(
        string id, RenamePasskeyRequest request, ClaimsPrincipal principal, UserManager<User> users, CancellationToken cancellationToken) =>
        RenameForAsync(principal.UserId(), id, request, users);

    public static async Task<Results<Ok<PasskeyView>, ProblemHttpResult, ValidationProblem>> RenameForAsync(
        Guid userId, string id, RenamePasskeyRequest request, UserManager<User> users)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > PasskeyRegistration.MaxNameLength || name.Any(char.IsControl))
        {
            return ApiProblems.Validation("name", $"The name is 1 to {PasskeyRegistration.MaxNameLength} characters, without control characters.");
        }

        var (user, passkey) = await FindAsync(userId, id, users);
        if (user is null || passkey is null)
        {
            return ApiProblems.NotFound("No such passkey.");
        }

        passkey.Name = name;
        var saved = await users.AddOrUpdatePasskeyAsync(user, passkey);
        return saved.Succeeded ? TypedResults.Ok(PasskeyView.From(passkey)) : ApiProblems.NotFound("No such passkey.");
    }

    /// <summary>Removing a way into the account needs the same recent re-authentication as removing an authenticator.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> RemoveAsync(
        string id, HttpContext http, ClaimsPrincipal principal, WardenDbContext db, UserManager<User> users,
        Reauthentication reauthentication, TimeProvider time, CancellationToken cancellationToken)
    {
        // DELETE with a body: read by hand so a missing body is "re-authentication required", not a binding error.
        RemovePasskeyRequest? request = null;
        if (http.Request.HasJsonContentType())
        {
            try
            {
                request = await http.Request.ReadFromJsonAsync<RemovePasskeyRequest>(cancellationToken);
            }
            catch (System.Text.Json.JsonException)
            {
                return ApiProblems.Problem(StatusCodes.Status400BadRequest, ProblemCodes.MalformedRequest, "The request body is not valid JSON.");
            }
        }

        return await RemoveForAsync(principal.UserId(), principal.SessionId(), id, request, db, users, reauthentication, time, cancellationToken);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RemoveForAsync(
        Guid userId, Guid sessionId, string id, RemovePasskeyRequest? request, WardenDbContext db, UserManager<User> users,
        Reauthentication reauthentication, TimeProvider time, CancellationToken cancellationToken)
    {
        var (user, passkey) = await FindAsync(userId, id, users);
        if (user is null || passkey is null)
        {
            return ApiProblems.NotFound("No such passkey.");
        }

        if (await reauthentication.CheckAsync(user, sessionId, request?.Password, request?.Code, cancellationToken) is { } refused)
        {
            return refused;
        }

        db.AddEvent(EventTypes.PasskeyRemoved, user.Id, new { userId = user.Id, passkeyId = PasskeyView.IdOf(passkey.CredentialId), name = passkey.Name }, time.GetUtcNow());
        var removed = await users.RemovePasskeyAsync(user, passkey.CredentialId);
        return removed.Succeeded ? TypedResults.NoContent() : ApiProblems.NotFound("No such passkey.");
    }

    private static async Task<(User? User, UserPasskeyInfo? Passkey)> FindAsync(Guid userId, string id, UserManager<User> users)
    {
        if (PasskeyView.ParseId(id) is not { } credentialId)
        {
            return (null, null);
        }

        var user = await users.FindByIdAsync(userId.ToString());
        return user is null ? (null, null) : (user, await users.GetPasskeyAsync(user, credentialId));
    }
}
