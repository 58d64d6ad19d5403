using Warden.Server.Authentication.Sessions;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Observability;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Login;

/// <summary>
/// The one place a sign-in finishes, whichever path led here (password alone, second factor, expired
/// password changed): record it, clear the failure counts, and issue tokens.
/// </summary>
public sealed class SignInCompletion(
    WardenDbContext db,
    SessionIssuer sessions,
    LoginThrottle throttle,
    WardenMetrics metrics,
    TimeProvider time)
{
    /// <summary>Starts a new active session for a user whose every factor has been verified.</summary>
    public async Task<TokenResponse> CompleteAsync(User user, bool rememberMe, string amr, HttpContext http, CancellationToken cancellationToken)
    {
        var session = sessions.Start(user, rememberMe, amr, SessionState.Active, http);
        return await FinishAsync(user, session, cancellationToken);
    }

    /// <summary>Activates a session that was waiting for a second factor.</summary>
    public async Task<TokenResponse> ActivateAsync(User user, UserSession pending, string amr, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        pending.State = SessionState.Active;
        pending.Amr = amr;
        pending.AuthenticatedAt = now;
        pending.LastUsedAt = now;
        return await FinishAsync(user, pending, cancellationToken);
    }

    private async Task<TokenResponse> FinishAsync(User user, UserSession session, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        user.LastLoginAt = now;
        user.LoginCount++;
        db.AddEvent(EventTypes.LoginSucceeded, user.Id, new
        {
            userId = user.Id,
            sessionId = session.Id,
            amr = session.AmrValues,
        }, now);

        var tokens = await sessions.IssueAsync(user, session, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await throttle.ResetAsync(IdentifierKeys(user), cancellationToken);
        metrics.TokensIssued("sign_in");
        return tokens;
    }

    public IEnumerable<string> IdentifierKeys(User user) => LoginThrottle.KeysOf(user);
}
