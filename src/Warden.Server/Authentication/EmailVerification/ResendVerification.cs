using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Authentication.EmailVerification;

public sealed record ResendVerificationRequest(string? Email);

/// <summary>Sends a fresh verification link. Answers 202 for any address, registered or not.</summary>
public static class ResendVerification
{
    /// <summary>At most one verification email per account in this period, however often it is asked for.</summary>
    public static readonly TimeSpan ResendInterval = TimeSpan.FromMinutes(1);

    public static async Task<Results<Accepted, ValidationProblem>> HandleAsync(
        ResendVerificationRequest request, WardenDbContext db, UserManager<User> users, TimeProvider time, CancellationToken cancellationToken)
    {
        var email = request.Email?.Trim();
        if (!EmailAddress.IsValid(email))
        {
            return ApiProblems.Validation("email", "A valid email address is required.");
        }

        var normalized = users.NormalizeEmail(email);
        var user = await db.Users.AsNoTracking()
            .Where(u => u.NormalizedEmail == normalized && u.Status == UserStatus.PendingVerification)
            .Select(u => new { u.Id })
            .SingleOrDefaultAsync(cancellationToken);
        if (user is not null)
        {
            var now = time.GetUtcNow();
            var recentlySent = await db.AccountTokens.AnyAsync(
                t => t.UserId == user.Id && t.Purpose == AccountTokenPurpose.EmailVerification && t.CreatedAt > now - ResendInterval,
                cancellationToken);
            if (!recentlySent)
            {
                // The email (and its token) is made by the handler, after commit, never in this request.
                db.AddEvent(EventTypes.VerificationRequested, user.Id, new { userId = user.Id }, now);
                await db.SaveChangesAsync(cancellationToken);
            }
        }

        return TypedResults.Accepted((string?)null);
    }
}
