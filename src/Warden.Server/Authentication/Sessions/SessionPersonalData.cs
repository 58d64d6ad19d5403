using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Login;
using Warden.Server.Authentication.PasswordReset;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Authentication.Sessions;

/// <summary>
/// Sessions (where and with what a person signed in) and the sign-in state around them: pending challenges and
/// the failure counters kept under the person's identifiers (and the client addresses that failed on them). Erasure keeps the session rows, revoked, without
/// their IP address and user agent, so the audit's session ids still resolve.
/// </summary>
public sealed class SessionPersonalData(WardenDbContext db) : IPersonalData
{
    public string Name => "sessions";

    public async Task<object?> ExportAsync(Guid userId, CancellationToken cancellationToken) =>
        await db.Sessions.AsNoTracking().Where(s => s.UserId == userId).OrderBy(s => s.CreatedAt)
            // Enums go out as the API writes them everywhere (snake_case), not as .NET names.
            .Select(s => new
            {
                s.Id, s.Client, s.State, s.IpAddress, s.UserAgent, s.Amr, s.RememberMe,
                s.CreatedAt, s.LastUsedAt, s.ExpiresAt, s.RevokedAt, s.RevokedReason,
            })
            .ToListAsync(cancellationToken);

    public async Task EraseAsync(Guid userId, CancellationToken cancellationToken)
    {
        await db.Sessions.Where(s => s.UserId == userId).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.IpAddress, (string?)null)
            .SetProperty(x => x.UserAgent, (string?)null), cancellationToken);
        await db.LoginChallenges.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);

        // The counters are keyed by the identifiers themselves (they exist for unknown addresses too), so they
        // are found through the account before the account's own erasure (below this module) renames it.
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == userId, cancellationToken);
        var keys = new List<string> { Reauthentication.ThrottleKey(userId) };
        if (user.NormalizedEmail is not null)
        {
            keys.Add(LoginThrottle.EmailKey(user.NormalizedEmail));
            keys.Add(ForgotPassword.ThrottleKey(user.NormalizedEmail));
        }

        if (user.NormalizedUserName is not null)
        {
            keys.Add(LoginThrottle.UsernameKey(user.NormalizedUserName));
        }

        await db.LoginAttempts.Where(a => keys.Contains(a.Identifier)).ExecuteDeleteAsync(cancellationToken);

        // Failed sign-ins on this account, counted per client address against credential stuffing.
        var hashes = LoginThrottle.KeysOf(user).Select(CredentialStuffingGuard.IdentifierHash).ToList();
        await db.IpSignInFailures.Where(f => hashes.Contains(f.IdentifierHash)).ExecuteDeleteAsync(cancellationToken);
    }
}
