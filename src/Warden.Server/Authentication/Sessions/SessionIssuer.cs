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
        // Issuing tokens is activity, saved by the caller with the session (whose LastUsedAt is now); coalesced
        // like requests, so a refresh does not rewrite the user row each time.
        if (user.LastActiveAt is not { } last || now - last >= SessionActivity.Interval)
        {
            user.LastActiveAt = now;
        }

        activity.Recorded(session.Id, now);
        var refresh = OpaqueToken.Create();
        db.RefreshTokens.Add(new RefreshToken
        {
            SessionId = session.Id,
            TokenHash = OpaqueToken.Hash(refresh),
            CreatedAt = now,
            ExpiresAt = session.ExpiresAt,
        });

        // Roles, permissions, the profile's name and the second factors from the account view's cache: the user row is
        // the caller's (just read or just changed), the rest changes rarely and every change forgets it.
        var (access, extras) = await accounts.ForTokenAsync(db, user, cancellationToken);
        var issued = await accessTokens.IssueAsync(
            new AccessTokenSubject(
                user.Id,
                session.Id,
                user.Email!,
                user.EmailVerifiedAt is not null,
                extras.ProfileName,
                [.. access.Roles],
                [.. access.Permissions],
                session.AmrValues,
                session.AuthenticatedAt ?? now),
            cancellationToken);

        var expiresIn = (int)Math.Max(0, Math.Round((issued.ExpiresAt - now).TotalSeconds));
        return new TokenResponse(issued.Token, refresh, "Bearer", expiresIn, AccountView.From(user, access, extras.TwoFactor));
    }
}
