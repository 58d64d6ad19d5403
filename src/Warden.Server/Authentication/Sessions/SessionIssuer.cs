using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Users;
using Warden.Server.Authorization;
using Warden.Server.Events;

namespace Warden.Server.Authentication.Sessions;

/// <summary>The token pair (docs/api.md): a short-lived access token and a rotating refresh token.</summary>
public sealed record TokenResponse(string AccessToken, string RefreshToken, string TokenType, int ExpiresIn, AccountView User);

/// <summary>Starts sessions and issues their tokens.</summary>
public sealed class SessionIssuer(
    WardenDbContext db, AccessTokenService accessTokens, SessionActivity activity, AccountViewCache accounts, TimeProvider time, IOptions<AuthenticationOptions> options)
{
    /// <summary>Adds a session to the unit of work; the caller saves it with whatever else belongs with it.</summary>
    public UserSession Start(User user, bool rememberMe, string amr, SessionState state, HttpContext http, string client = SessionClients.Api)
    {
        var now = time.GetUtcNow();
        var lifetime = rememberMe ? options.Value.RememberMeSessionLifetime : options.Value.SessionLifetime;
        var session = new UserSession
        {
            UserId = user.Id,
            State = state,
            Client = client,
            IpAddress = RequestOrigin.IpAddress(http),
            UserAgent = RequestOrigin.UserAgent(http),
            Amr = amr,
            RememberMe = rememberMe,
            CreatedAt = now,
            AuthenticatedAt = state == SessionState.Active ? now : null,
            LastUsedAt = now,
            ExpiresAt = now + lifetime,
        };
        db.Sessions.Add(session);
        return session;
    }

    /// <summary>
    /// Adds a fresh refresh token for the session (saved by the caller) and signs an access token. The refresh
    /// token never outlives its session.
    /// </summary>
    public async Task<TokenResponse> IssueAsync(User user, UserSession session, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // Starting a session is activity, saved by the caller with the session (whose LastUsedAt is now); coalesced
        // like requests, so a sign-in does not rewrite the user row each time for it.
        if (user.LastActiveAt is not { } last || now - last >= SessionActivity.Interval)
        {
            user.LastActiveAt = now;
        }

        activity.Recorded(session.Id, now);
        var (access, extras) = await accounts.ForTokenAsync(db, user, cancellationToken);
        var facts = new AccountViewCache.Facts(
            user.Email!, user.UserName, user.Status, user.EmailVerifiedAt is not null, user.CreatedAt, user.LastLoginAt, user.LastActiveAt);
        return await SignAsync(user.Id, facts, access, extras, session.Id, session.ExpiresAt, session.AmrValues, session.AuthenticatedAt ?? now, cancellationToken);
    }

    /// <summary>
    /// The same for a refresh, which has no user row and no tracked session: the user's facts come from the account
    /// view's cache, the session's from the statement that spent the old token, and the new refresh token is the one
    /// that statement stored in the old one's place. Activity is recorded by the caller.
    /// </summary>
    public async Task<TokenResponse> IssueAsync(
        Guid userId, AccountViewCache.Facts facts, Guid sessionId, string storedRefreshToken, string[] amr, DateTimeOffset authenticatedAt,
        CancellationToken cancellationToken)
    {
        var (access, extras) = await accounts.ForTokenAsync(db, userId, cancellationToken);
        return await SignAsync(userId, facts, access, extras, sessionId, storedRefreshToken, amr, authenticatedAt, cancellationToken);
    }

    private Task<TokenResponse> SignAsync(
        Guid userId, AccountViewCache.Facts facts, AccessSnapshot access, AccountViewCache.Extras extras, Guid sessionId,
        DateTimeOffset sessionExpiresAt, string[] amr, DateTimeOffset authenticatedAt, CancellationToken cancellationToken)
    {
        var refresh = OpaqueToken.Create();
        db.RefreshTokens.Add(new RefreshToken
        {
            SessionId = sessionId,
            TokenHash = OpaqueToken.Hash(refresh),
            CreatedAt = time.GetUtcNow(),
            ExpiresAt = sessionExpiresAt,
        });
        return SignAsync(userId, facts, access, extras, sessionId, refresh, amr, authenticatedAt, cancellationToken);
    }

    private async Task<TokenResponse> SignAsync(
        Guid userId, AccountViewCache.Facts facts, AccessSnapshot access, AccountViewCache.Extras extras, Guid sessionId,
        string refresh, string[] amr, DateTimeOffset authenticatedAt, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // Roles, permissions, the profile's name and the second factors from the account view's cache: the user's facts
        // are the caller's (the row just read or changed, or the cached facts), the rest changes rarely and every change forgets it.
        var issued = await accessTokens.IssueAsync(
            new AccessTokenSubject(
                userId,
                sessionId,
                facts.Email,
                facts.EmailVerified,
                extras.ProfileName,
                [.. access.Roles],
                [.. access.Permissions],
                amr,
                authenticatedAt),
            cancellationToken);

        var expiresIn = (int)Math.Max(0, Math.Round((issued.ExpiresAt - now).TotalSeconds));
        return new TokenResponse(issued.Token, refresh, "Bearer", expiresIn, AccountView.From(userId, facts, access, extras.TwoFactor));
    }
}
