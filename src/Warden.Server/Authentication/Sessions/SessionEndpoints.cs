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
    public static async Task<Ok<List<SessionView>>> ListAsync(ClaimsPrincipal principal, WardenDbContext db, TimeProvider time, CancellationToken cancellationToken) =>
        TypedResults.Ok(await ListForAsync(principal.UserId(), principal.SessionId(), db, time, cancellationToken));

    /// <summary>The user's active sessions, most recently used first, <paramref name="current"/> marked (the API and the sessions page).</summary>
    public static async Task<List<SessionView>> ListForAsync(Guid userId, Guid? current, WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var sessions = await db.Sessions.AsNoTracking()
            .Where(s => s.UserId == userId && s.RevokedAt == null && s.State == SessionState.Active && s.ExpiresAt > now)
            .OrderByDescending(s => s.LastUsedAt)
            .ToListAsync(cancellationToken);
        return sessions
            .Select(s => new SessionView(s.Id, s.Client, s.CreatedAt, s.LastUsedAt, s.ExpiresAt, s.IpAddress, s.UserAgent, s.AmrValues, s.Id == current))
            .ToList();
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        Guid id, ClaimsPrincipal principal, SessionRevocation revocation, CancellationToken cancellationToken)
    {
        return await EndOneAsync(principal.UserId(), id, revocation, cancellationToken) ? TypedResults.NoContent() : ApiProblems.NotFound("No such session.");
    }

    public static async Task<NoContent> RevokeOthersAsync(ClaimsPrincipal principal, SessionRevocation revocation, CancellationToken cancellationToken)
    {
        await EndOthersAsync(principal.UserId(), principal.SessionId(), revocation, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Ends one of <paramref name="userId"/>'s own sessions (the API and the sessions page). Scoped to that user: another
    /// user's session id is "no such session", exactly like a missing one.
    /// </summary>
    public static async Task<bool> EndOneAsync(Guid userId, Guid id, SessionRevocation revocation, CancellationToken cancellationToken) =>
        (await revocation.RevokeAsync(userId, id, RevocationReasons.UserRevoked, cancellationToken)).Count > 0;

    public static Task<IReadOnlyList<Guid>> EndOthersAsync(Guid userId, Guid? keep, SessionRevocation revocation, CancellationToken cancellationToken) =>
        revocation.RevokeAllAsync(userId, keep, RevocationReasons.UserRevoked, cancellationToken);
}
