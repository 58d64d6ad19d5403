using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Users;

namespace Warden.Server.Authentication.EmailVerification;

public sealed record VerifyEmailRequest(string? Token, string? Password);

public sealed record VerifiedEmail(Guid Id, string Email, string Status, bool EmailVerified);

/// <summary>
/// Account activation: the token from the verification email, together with the password chosen at that
/// registration, turns a pending account active. Nobody is signed in: the user signs in afterwards like anyone.
/// </summary>
/// <remarks>
/// The link alone is not enough. Otherwise anyone could register a stranger's address with a password of their
/// own, and the stranger, clicking a link they never asked for, would activate an account whose password the
/// registrant holds (pre-registration takeover). With the password required, the click activates only an
/// account its clicker already controls. A wrong password answers like a bad token and spends nothing: the
/// transaction rolls back, so the registrant can still use the link. Invited accounts are never verified this
/// way (an administrator vouched for the address; the invitation link sets the password).
/// </remarks>
public static class VerifyEmail
{
    public static async Task<Results<Ok<VerifiedEmail>, ProblemHttpResult, ValidationProblem>> HandleAsync(
        VerifyEmailRequest request, WardenDbContext db, AccountTokens tokens, UserManager<User> users, TimeProvider time, CancellationToken cancellationToken)
    {
        if (ApiProblems.Missing(
                ("token", request.Token, "The verification token is required."),
                ("password", request.Password, "The password chosen at registration is required.")) is { } missing)
        {
            return missing;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var token = await tokens.ConsumeAsync(request.Token, AccountTokenPurpose.EmailVerification, cancellationToken);
        var user = token is null ? null : await db.Users.SingleOrDefaultAsync(u => u.Id == token.UserId, cancellationToken);
        if (user is null || user.Status is UserStatus.Deleted or UserStatus.Suspended || !await PasswordMatchesAsync(users, user, request.Password!, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, ProblemCodes.TokenInvalid,
                "The verification link is invalid, expired or already used, or the password is not the one chosen at registration.");
        }

        var now = time.GetUtcNow();
        if (user.EmailVerifiedAt is null)
        {
            user.EmailVerifiedAt = now;
            user.EmailConfirmed = true;
            user.UpdatedAt = now;
            if (user.Status == UserStatus.PendingVerification)
            {
                user.Status = UserStatus.Active;
            }

            db.AddEvent(EventTypes.UserEmailVerified, user.Id, new { userId = user.Id }, now);
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new VerifiedEmail(user.Id, user.Email!, user.Status.ToWire(), true));
    }

    private static Task<bool> PasswordMatchesAsync(UserManager<User> users, User user, string password, CancellationToken cancellationToken) =>
        user.PasswordHash is null
            ? Task.FromResult(false)
            : users.PasswordHasher.RunInSlotAsync(
                () => users.PasswordHasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed, cancellationToken);
}
