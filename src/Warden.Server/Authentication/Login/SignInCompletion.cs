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
        Activate(pending, amr);
        return await FinishAsync(user, pending, cancellationToken);
    }

    /// <summary>Starts a new active browser session (the account pages); answers the secret for its cookie.</summary>
    public async Task<BrowserSignIn> CompleteBrowserAsync(
        User user, bool rememberMe, string amr, HttpContext http, CancellationToken cancellationToken, string? externalProvider = null)
    {
        var session = sessions.Start(user, rememberMe, amr, SessionState.Active, http, SessionClients.Browser);
        session.ExternalProvider = externalProvider;
        return await FinishBrowserAsync(user, session, cancellationToken);
    }

    /// <summary>Activates a browser session that was waiting for a factor; answers the secret for its (new) cookie.</summary>
    public async Task<BrowserSignIn> ActivateBrowserAsync(User user, UserSession pending, string amr, CancellationToken cancellationToken)
    {
        Activate(pending, amr);
        return await FinishBrowserAsync(user, pending, cancellationToken);
    }

    private async Task<BrowserSignIn> FinishBrowserAsync(User user, UserSession session, CancellationToken cancellationToken)
    {
        // A browser session has no tokens: its cookie is the only credential, and it works on the pages alone.
        Record(user, session);
        var secret = BrowserSessions.Issue(session);
        user.LastActiveAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        await throttle.ResetAsync(IdentifierKeys(user), cancellationToken);
        return new BrowserSignIn(secret, session);
    }

    private void Activate(UserSession pending, string amr)
    {
        var now = time.GetUtcNow();
        pending.State = SessionState.Active;
        // The second-factor steps name the first factor "pwd"; after an external sign-in it was the provider ("fed").
        pending.Amr = pending.ExternalProvider is null ? amr : string.Join(' ', amr.Split(' ').Select(m => m == "pwd" ? "fed" : m));
        pending.AuthenticatedAt = now;
        pending.LastUsedAt = now;
    }

    private void Record(User user, UserSession session)
    {
        var now = time.GetUtcNow();
        user.LastLoginAt = now;
        user.LoginCount++;
        db.AddEvent(EventTypes.LoginSucceeded, user.Id, new
        {
            userId = user.Id,
            sessionId = session.Id,
            amr = session.AmrValues,
            method = MethodOf(session),
            provider = session.ExternalProvider,
        }, now);
    }

    private async Task<TokenResponse> FinishAsync(User user, UserSession session, CancellationToken cancellationToken)
    {
        Record(user, session);
        var tokens = await sessions.IssueAsync(user, session, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await throttle.ResetAsync(IdentifierKeys(user), cancellationToken);
        metrics.TokensIssued("sign_in");
        return tokens;
    }

    /// <summary>How the person proved who they are first: an external provider, a passkey alone, or the password.</summary>
    public static string MethodOf(UserSession session) =>
        session.ExternalProvider is not null || session.AmrValues.Contains("fed") ? "external"
        : session.AmrValues.Contains("hwk") && !session.AmrValues.Contains("pwd") ? "passkey"
        : "password";

    public IEnumerable<string> IdentifierKeys(User user) => LoginThrottle.KeysOf(user);
}
