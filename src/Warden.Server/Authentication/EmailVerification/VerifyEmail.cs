using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Authentication.EmailVerification;

public sealed record VerifyEmailRequest(string? Token);

public sealed record VerifiedEmail(Guid Id, string Email, string Status, bool EmailVerified);

/// <summary>Account activation: the token from the verification email turns a pending account active.</summary>
public static class VerifyEmail
{
    public static async Task<Results<Ok<VerifiedEmail>, ProblemHttpResult, ValidationProblem>> HandleAsync(
        VerifyEmailRequest request, WardenDbContext db, AccountTokens tokens, TimeProvider time, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.Token))
        {
            return ApiProblems.Validation("token", "The verification token is required.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var token = await tokens.ConsumeAsync(request.Token, AccountTokenPurpose.EmailVerification, cancellationToken);
        var user = token is null ? null : await db.Users.SingleOrDefaultAsync(u => u.Id == token.UserId, cancellationToken);
        if (user is null || user.Status is UserStatus.Deleted or UserStatus.Suspended)
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, ProblemCodes.TokenInvalid,
                "The verification link is invalid, expired or already used.");
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
}
