using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Login;

/// <summary>
/// Challenges that stand between a correct password and tokens. The token is random, single-use, short-lived
/// and bound to one user and one pending session; the session cannot be used until the challenge is met.
/// </summary>
public sealed class LoginChallenges(WardenDbContext db, SessionIssuer sessions, TimeProvider time, IOptions<AuthenticationOptions> options)
{
    public async Task<LoginChallengeResponse> StartSecondFactorAsync(
        User user, bool rememberMe, HttpContext http, CancellationToken cancellationToken, string client = SessionClients.Api, string amr = "pwd",
        string? externalProvider = null)
    {
        var session = sessions.Start(user, rememberMe, amr, SessionState.PendingSecondFactor, http, client);
        session.ExternalProvider = externalProvider;
        var token = Add(user, session, LoginChallengeKind.SecondFactor);
        var methods = (await TwoFactorMethods.LoadAsync(db, user.Id, cancellationToken)).ToList();
        if (await db.UserPasskeys.AnyAsync(p => p.UserId == user.Id, cancellationToken))
        {
            methods.Add("passkey");
        }

        methods.Add("recovery_code");
        db.AddEvent(EventTypes.LoginPasswordVerified, user.Id, new { userId = user.Id, sessionId = session.Id, methods, provider = externalProvider }, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return new LoginChallengeResponse(true, null, token, methods);
    }

    /// <summary>
    /// Spends a challenge token: returns the challenge (with its pending session) when this call spent it,
    /// null when it is unknown, of another kind, expired or already spent.
    /// </summary>
    public async Task<LoginChallenge?> ConsumeAsync(string? token, LoginChallengeKind kind, CancellationToken cancellationToken)
    {
        if (!OpaqueToken.LooksValid(token))
        {
            return null;
        }

        var hash = OpaqueToken.Hash(token!);
        var now = time.GetUtcNow();
        var spent = await db.LoginChallenges
            .Where(c => c.TokenHash == hash && c.Kind == kind && c.ConsumedAt == null && c.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ConsumedAt, now), cancellationToken);
        return spent == 0 ? null : await db.LoginChallenges.Include(c => c.Session).SingleAsync(c => c.TokenHash == hash, cancellationToken);
    }

    /// <summary>Reads a live challenge without spending it (to send a code, or to check one); none once too many codes were tried.</summary>
    public async Task<LoginChallenge?> FindAsync(string? token, LoginChallengeKind kind, CancellationToken cancellationToken)
    {
        if (!OpaqueToken.LooksValid(token))
        {
            return null;
        }

        var hash = OpaqueToken.Hash(token!);
        var now = time.GetUtcNow();
        var max = options.Value.MaxChallengeAttempts;
        return await db.LoginChallenges.Include(c => c.Session)
            .SingleOrDefaultAsync(c => c.TokenHash == hash && c.Kind == kind && c.ConsumedAt == null && c.ExpiresAt > now
                                       && c.FailedAttempts < max, cancellationToken);
    }

    /// <summary>
    /// Counts one code against the challenge before the code is checked, with one conditional update: false when
    /// the challenge has had its <see cref="AuthenticationOptions.MaxChallengeAttempts"/> (or is spent), and then it
    /// is dead — the client signs in again, and every code tried also counted towards the account's lockout.
    /// </summary>
    public async Task<bool> TryCountAttemptAsync(LoginChallenge challenge, CancellationToken cancellationToken)
    {
        var max = options.Value.MaxChallengeAttempts;
        var now = time.GetUtcNow();
        return await db.LoginChallenges
            .Where(c => c.Id == challenge.Id && c.ConsumedAt == null && c.ExpiresAt > now && c.FailedAttempts < max)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.FailedAttempts, c => c.FailedAttempts + 1), cancellationToken) == 1;
    }

    public string Add(User user, UserSession session, LoginChallengeKind kind)
    {
        var now = time.GetUtcNow();
        var token = OpaqueToken.Create();
        db.LoginChallenges.Add(new LoginChallenge
        {
            UserId = user.Id,
            SessionId = session.Id,
            Kind = kind,
            TokenHash = OpaqueToken.Hash(token),
            CreatedAt = now,
            ExpiresAt = now + options.Value.ChallengeLifetime,
        });
        return token;
    }
}
