using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Sessions;

public sealed record LogoutRequest(string? RefreshToken);

/// <summary>Ends the session named by the refresh token, the bearer token, or both.</summary>
public static class Logout
{
    public static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> HandleAsync(
        HttpContext http,
        WardenDbContext db,
        SessionRevocation revocation,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        // The body is optional (a bearer token alone is enough), so it is read by hand.
        LogoutRequest? request = null;
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            if (!http.Request.HasJsonContentType())
            {
                return ApiProblems.Problem(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType, "The request body must be application/json.");
            }

            try
            {
                request = await http.Request.ReadFromJsonAsync<LogoutRequest>(cancellationToken);
            }
            catch (System.Text.Json.JsonException)
            {
                return ApiProblems.Problem(StatusCodes.Status400BadRequest, ProblemCodes.MalformedRequest, "The request body is not valid JSON.");
            }
        }

        var sessionIds = new HashSet<(Guid UserId, Guid SessionId)>();
        var bearer = await http.AuthenticateAsync(BearerAuthenticationHandler.SchemeName);
        if (bearer.Succeeded)
        {
            sessionIds.Add((bearer.Principal.UserId(), bearer.Principal.SessionId()));
        }
        else if (bearer.Failure is not null)
        {
            return Invalid();
        }

        if (!string.IsNullOrEmpty(request?.RefreshToken))
        {
            if (!OpaqueToken.LooksValid(request.RefreshToken))
            {
                return Invalid();
            }

            var hash = OpaqueToken.Hash(request.RefreshToken);
            var session = await db.RefreshTokens.AsNoTracking().Where(t => t.TokenHash == hash)
                .Select(t => new { t.Session!.UserId, t.SessionId }).SingleOrDefaultAsync(cancellationToken);
            if (session is null)
            {
                return Invalid();
            }

            sessionIds.Add((session.UserId, session.SessionId));
        }

        if (sessionIds.Count == 0)
        {
            return ApiProblems.Validation("refreshToken", "Send the refresh token, or the access token as a bearer token.");
        }

        foreach (var (userId, sessionId) in sessionIds)
        {
            await EndAsync(userId, sessionId, db, revocation, time, cancellationToken);
        }

        return TypedResults.NoContent();
    }

    /// <summary>Ends one session as a sign-out (the API's and the account pages' alike): revoked, and <c>user.logged_out</c> once.</summary>
    public static async Task EndAsync(Guid userId, Guid sessionId, WardenDbContext db, SessionRevocation revocation, TimeProvider time, CancellationToken cancellationToken)
    {
        var revoked = await revocation.RevokeAsync(userId, sessionId, RevocationReasons.Logout, cancellationToken);
        if (revoked.Count > 0)
        {
            db.AddEvent(EventTypes.UserLoggedOut, userId, new { userId, sessionId }, time.GetUtcNow());
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private static ProblemHttpResult Invalid() =>
        ApiProblems.Problem(StatusCodes.Status401Unauthorized, ProblemCodes.TokenInvalid, "The token is invalid.");
}
