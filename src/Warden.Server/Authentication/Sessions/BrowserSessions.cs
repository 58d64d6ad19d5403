using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Sessions;

/// <summary>A finished browser sign-in: the cookie's secret (shown to nobody but the browser) and its session.</summary>
public sealed record BrowserSignIn(string Secret, UserSession Session);

/// <summary>
/// The browser's sign-in is a Warden session like any other (a row in <c>user_sessions</c> with client
/// <see cref="SessionClients.Browser"/>, listed and revoked with the rest); its cookie holds a random 256-bit secret
/// whose SHA-256 is the row's <see cref="UserSession.CookieHash"/>, the way refresh tokens are kept. There are no
/// tokens for a browser session: the cookie is read only by the account pages, never by <c>/api/v1</c>.
/// </summary>
/// <remarks>
/// Each request reads the row (pages are few and a revocation, on any node, must end the browser session at the next
/// click rather than after a cache period). Reissuing replaces the hash, so a cookie copied before a sign-in or a
/// re-authentication is worthless afterwards (session fixation).
/// </remarks>
public sealed class BrowserSessions(WardenDbContext db, SessionActivity activity, TimeProvider time)
{
    /// <summary>A fresh cookie secret for the session; its hash is saved with the caller's unit of work.</summary>
    public static string Issue(UserSession session)
    {
        var secret = OpaqueToken.Create();
        session.CookieHash = OpaqueToken.Hash(secret);
        return secret;
    }

    /// <summary>
    /// The active browser session of the cookie, with its user, or null: unknown, revoked, past its absolute
    /// lifetime, idle for longer than <paramref name="idleTimeout"/> (unless "remember me" was chosen), or its user
    /// is no longer active.
    /// </summary>
    public async Task<UserSession?> FindAsync(string? secret, TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        if (!OpaqueToken.LooksValid(secret))
        {
            return null;
        }

        var hash = OpaqueToken.Hash(secret!);
        var now = time.GetUtcNow();
        var session = await db.Sessions.Include(s => s.User)
            .SingleOrDefaultAsync(s => s.CookieHash == hash && s.Client == SessionClients.Browser, cancellationToken);
        if (session?.User is not { Status: UserStatus.Active } || !session.IsActiveAt(now) || (!session.RememberMe && now - session.LastUsedAt > idleTimeout))
        {
            return null;
        }

        await activity.TouchAsync(session.Id, session.UserId, cancellationToken);
        return session;
    }
}
