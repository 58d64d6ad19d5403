using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Sessions;

public sealed record SessionView(Guid Id, string Client, DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, DateTimeOffset ExpiresAt, string? IpAddress, string? UserAgent, IReadOnlyList<string> Amr, bool Current);

/// <summary>A user's own sessions: list them, end one, or end all but this one.</summary>
public static class SessionEndpoints
{
    public static async Task<Ok<List<SessionView>>> ListAsync(ClaimsPrincipal principal, WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var userId = principal.UserId();
        var current = principal.SessionId();
        var now = time.GetUtcNow();
        var sessions = await db.Sessions.AsNoTracking()
            .Where(s => s.UserId == userId && s.RevokedAt == null && s.State == SessionState.Active && s.ExpiresAt > now)
            .OrderByDescending(s => s.LastUsedAt)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(sessions
            .Select(s => new SessionView(s.Id, s.Client, s.CreatedAt, s.LastUsedAt, s.ExpiresAt, s.IpAddress, s.UserAgent, s.AmrValues, s.Id == current))
            .ToList());
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        Guid id, ClaimsPrincipal principal, SessionRevocation revocation, CancellationToken cancellationToken)
    {
        // Scoped to the caller's own sessions: another user's session id answers 404 exactly like a missing one.
        var revoked = await revocation.RevokeAsync(principal.UserId(), id, RevocationReasons.UserRevoked, cancellationToken);
        return revoked.Count == 0 ? ApiProblems.NotFound("No such session.") : TypedResults.NoContent();
    }

    public static async Task<NoContent> RevokeOthersAsync(ClaimsPrincipal principal, SessionRevocation revocation, CancellationToken cancellationToken)
    {
        await revocation.RevokeAllAsync(principal.UserId(), principal.SessionId(), RevocationReasons.UserRevoked, cancellationToken);
        return TypedResults.NoContent();
    }
}
