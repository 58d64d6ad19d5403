using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Observability;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Tokens;

public sealed record RefreshRequest(string? RefreshToken);

/// <summary>
/// Trades a refresh token for a new pair. The token is spent with one conditional update, so of two
/// concurrent refreshes exactly one wins; a spent token presented again means someone holds a copy, and the
/// whole session ends (reuse detection, RFC 9700 §4.14.2).
/// </summary>
public static class Refresh
{
    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult, ValidationProblem>> HandleAsync(
        RefreshRequest request,
        WardenDbContext db,
        SessionIssuer issuer,
        SessionRevocation revocation,
        TimeProvider time,
        IOptions<AuthenticationOptions> options,
        WardenMetrics metrics,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.RefreshToken))
        {
            return ApiProblems.Validation("refreshToken", "A refresh token is required.");
        }

        if (!OpaqueToken.LooksValid(request.RefreshToken))
        {
            return Invalid();
        }

        var hash = OpaqueToken.Hash(request.RefreshToken);
        var now = time.GetUtcNow();
        var spent = await db.RefreshTokens
            .Where(t => t.TokenHash == hash && t.SpentAt == null && t.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.SpentAt, now), cancellationToken);

        var token = await db.RefreshTokens.AsNoTracking().Include(t => t.Session).SingleOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
        if (token?.Session is null)
        {
            return Invalid();
        }

        var session = token.Session;
        if (spent == 0)
        {
            var withinGrace = token.SpentAt is { } spentAt && now - spentAt <= options.Value.RefreshReuseGracePeriod
                              && options.Value.RefreshReuseGracePeriod > TimeSpan.Zero;
            if (token.SpentAt is not null && session.RevokedAt is null && !withinGrace)
            {
                await revocation.RevokeAsync(session.UserId, session.Id, RevocationReasons.RefreshTokenReuse, cancellationToken);
            }

            return Invalid();
        }

        if (!session.IsActiveAt(now))
        {
            return Invalid();
        }

        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == session.UserId, cancellationToken);
        if (user is null || user.Status != UserStatus.Active)
        {
            return Invalid();
        }

        db.Attach(session);
        session.LastUsedAt = now;
        var tokens = await issuer.IssueAsync(user, session, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        metrics.TokensIssued("refresh");
        return TypedResults.Ok(tokens);
    }

    private static ProblemHttpResult Invalid() =>
        ApiProblems.Problem(StatusCodes.Status401Unauthorized, ProblemCodes.TokenInvalid, "The refresh token is invalid, expired or already used.");
}
