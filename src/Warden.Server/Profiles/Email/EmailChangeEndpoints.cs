using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Profiles.Email;

public sealed record ChangeEmailRequest(string? NewEmail, string? Password, string? Code);

public sealed record ConfirmEmailChangeRequest(string? Token);

/// <summary>
/// Changing the sign-in address: request (password required), then confirm with the token mailed to the new
/// address. The request answers 202 whether or not the new address is taken, so it tells nobody which
/// addresses have accounts; a taken address is simply sent nothing (not even a notice, which would let
/// anyone with an account spam any registered address). The old address is always told.
/// </summary>
public static class EmailChangeEndpoints
{
    /// <summary>Why the other sessions ended (<c>user_sessions.revoked_reason</c>).</summary>
    public const string RevocationReason = "email_changed";

    public static Task<Results<Accepted, ProblemHttpResult>> RequestAsync(
        ChangeEmailRequest request,
        HttpContext http,
        WardenDbContext db,
        UserManager<User> users,
        Reauthentication reauthentication,
        TimeProvider time,
        CancellationToken cancellationToken) =>
        RequestForAsync(http.User.UserId(), null, request, db, users, reauthentication, time, cancellationToken);

    /// <summary>The request, for the API and the account pages (<paramref name="stepUpSession"/>: see <see cref="Reauthentication"/>).</summary>
    public static async Task<Results<Accepted, ProblemHttpResult>> RequestForAsync(
        Guid userId,
        Guid? stepUpSession,
        ChangeEmailRequest request,
        WardenDbContext db,
        UserManager<User> users,
        Reauthentication reauthentication,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var newEmail = request.NewEmail?.Trim();
        if (!EmailAddress.IsValid(newEmail))
        {
            return ApiProblems.ValidationProblem("newEmail", "Must be a valid email address.");
        }

        var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);
        if (users.NormalizeEmail(newEmail) == user.NormalizedEmail)
        {
            return ApiProblems.ValidationProblem("newEmail", "This is already your email address.");
        }

        if (await reauthentication.CheckAsync(user, stepUpSession, request.Password, request.Code, cancellationToken) is { } refused)
        {
            return refused;
        }

        // Whether the address is free is decided by the handler, after the response: the request itself
        // does the same work either way.
        var now = time.GetUtcNow();
        db.AddEvent(EventTypes.EmailChangeRequested, userId, new
        {
            userId,
            newEmail,
        }, now);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Accepted((string?)null);
    }

    /// <summary>
    /// Completes the change if the token is the caller's and the address is still free — checked, and then
    /// guaranteed by the unique index, so an address registered meanwhile (or claimed by a concurrent
    /// confirmation) makes this fail with nothing changed. Every other session ends: whoever else was signed
    /// in may not follow the account to its new address (the address is how a password is reset).
    /// </summary>
    public static Task<Results<Ok<AccountView>, ProblemHttpResult>> ConfirmAsync(
        ConfirmEmailChangeRequest request,
        HttpContext http,
        WardenDbContext db,
        UserManager<User> users,
        AccountTokens tokens,
        SessionRevocation revocation,
        TimeProvider time,
        CancellationToken cancellationToken) =>
        ConfirmForAsync(http.User.UserId(), http.User.SessionId(), request, db, users, tokens, revocation, time, cancellationToken);

    /// <summary>The confirmation, for the API and the account pages: <paramref name="sessionId"/> goes on, every other session ends.</summary>
    public static async Task<Results<Ok<AccountView>, ProblemHttpResult>> ConfirmForAsync(
        Guid userId,
        Guid? sessionId,
        ConfirmEmailChangeRequest request,
        WardenDbContext db,
        UserManager<User> users,
        AccountTokens tokens,
        SessionRevocation revocation,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var token = await tokens.ConsumeAsync(request.Token, AccountTokenPurpose.EmailChange, cancellationToken);
        if (token is null || token.UserId != userId || token.Data is null)
        {
            return TokenInvalid();
        }

        var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);
        var newEmail = token.Data;
        var normalized = users.NormalizeEmail(newEmail);
        if (await db.Users.AnyAsync(u => u.NormalizedEmail == normalized && u.Id != userId, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            return EmailTaken();
        }

        var now = time.GetUtcNow();
        var previousEmail = user.Email;
        user.Email = newEmail;
        user.NormalizedEmail = normalized;
        user.EmailConfirmed = true; // the token proves the new address
        user.EmailVerifiedAt ??= now;
        user.SecurityStamp = Guid.NewGuid().ToString("N");
        user.UpdatedAt = now;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The address was taken between the check and the write. Roll back: the token stays unspent,
            // the account unchanged.
            await transaction.RollbackAsync(cancellationToken);
            return EmailTaken();
        }

        var revoked = await revocation.RevokeAllAsync(userId, sessionId, RevocationReason, cancellationToken);
        db.AddEvent(EventTypes.EmailChanged, userId, new
        {
            userId,
            previousEmail,
            revokedSessions = revoked.Count,
        }, now);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok((await AccountView.LoadAsync(db, userId, cancellationToken))!);
    }

    private static ProblemHttpResult TokenInvalid() =>
        ApiProblems.Problem(StatusCodes.Status400BadRequest, ProblemCodes.TokenInvalid, "The link is invalid or has expired.");

    private static ProblemHttpResult EmailTaken() =>
        ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.EmailTaken,
            "This address now belongs to another account.", "Nothing was changed.");
}
