using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Notifications;
using Warden.Server.Passwords;
using Warden.Server.Users;

namespace Warden.Server.Authentication.PasswordReset;

/// <summary>
/// <c>password.reset_requested</c> → a fresh single-use reset token, mailed. The token is made here, after
/// commit, so it never sits in an event, a request or a log; issuing it ends every older reset link.
/// </summary>
public sealed class SendPasswordResetEmail(
    WardenDbContext db, AccountTokens tokens, AccountMailer mailer, PublicLinks links, IOptions<PasswordLifecycleOptions> options) : IEventHandler
{
    public string Name => "password.send-reset-email";

    public bool CanHandle(string eventType) => eventType == EventTypes.PasswordResetRequested;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        if (message.Subject is not { } userId)
        {
            return;
        }

        // Suspended or erased since the request: no link.
        var eligible = await db.Users.AnyAsync(
            u => u.Id == userId && (u.Status == UserStatus.Active || u.Status == UserStatus.PendingVerification), cancellationToken);
        if (!eligible)
        {
            return;
        }

        var lifetime = options.Value.ResetTokenLifetime;
        var token = await tokens.IssueAsync(userId, AccountTokenPurpose.PasswordReset, lifetime, cancellationToken: cancellationToken);
        await db.SaveChangesAsync(cancellationToken); // the token must exist before anyone can click the link

        await mailer.SendAsync(userId, EmailTemplateNames.PasswordReset, new Dictionary<string, string>
        {
            ["link"] = links.Build("/account/reset-password", ("token", token)),
            ["token"] = token,
            ["expiresMinutes"] = ((int)Math.Ceiling(lifetime.TotalMinutes)).ToString(CultureInfo.InvariantCulture),
        }, cancellationToken);
    }
}
