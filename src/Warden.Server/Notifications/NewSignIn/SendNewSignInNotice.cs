using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Notifications.NewSignIn;

/// <summary>
/// <c>login.succeeded</c> from an IP address and user agent this user has not signed in from within
/// <see cref="NewSignInOptions.NewSignInKnownFor"/> → the <c>new-sign-in</c> email. Known devices are found in the
/// user's other sessions and in earlier sign-ins of the audit log (sessions are deleted when they expire; the audit
/// log keeps a year). A user's very first sign-in is the device that registered and gets no notice. It is an
/// <see cref="MailCategory.Account"/> notice: a user who turned account notices off does not get it.
/// </summary>
public sealed class SendNewSignInNotice(WardenDbContext db, AccountMailer mailer, IOptions<NewSignInOptions> options) : IEventHandler
{
    public string Name => "notifications.new-sign-in";

    public bool CanHandle(string eventType) => eventType == EventTypes.LoginSucceeded && options.Value.NewSignInNotice;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var signIn = JsonSerializer.Deserialize<SignIn>(message.Data, JsonSerializerOptions.Web);
        if (signIn is null || message.Subject is not { } userId)
        {
            return;
        }

        // Both questions (any earlier sign-in at all? one from this device lately?) in one statement: this runs for
        // every sign-in, and each query of its own cost as much CPU in EF Core's pipeline as in the database.
        var at = message.OccurredAt;
        var since = at - options.Value.NewSignInKnownFor;
        var (sessionId, ip, agent, eventId) = (signIn.SessionId, signIn.IpAddress, signIn.UserAgent, message.Id);
        var seen = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new
            {
                Before = db.Sessions.Any(s => s.UserId == userId && s.Id != sessionId && s.CreatedAt <= at)
                         || db.AuditLog.Any(e => e.SubjectId == userId && e.Action == EventTypes.LoginSucceeded && e.EventId != eventId && e.OccurredAt <= at),
                Known = db.Sessions.Any(s => s.UserId == userId && s.Id != sessionId && s.CreatedAt <= at
                                             && s.CreatedAt >= since && s.IpAddress == ip && s.UserAgent == agent)
                        || db.AuditLog.Any(e => e.SubjectId == userId && e.Action == EventTypes.LoginSucceeded && e.EventId != eventId && e.OccurredAt <= at
                                                && e.OccurredAt >= since && e.IpAddress == ip && e.UserAgent == agent),
            })
            .FirstOrDefaultAsync(cancellationToken);

        // No such user any more, the first sign-in ever, or a device seen lately: no notice.
        if (seen is null || !seen.Before || seen.Known)
        {
            return;
        }

        await mailer.SendAsync(userId, EmailTemplateNames.NewSignIn, new Dictionary<string, string>
        {
            ["ipAddress"] = signIn.IpAddress ?? "unknown",
            ["userAgent"] = signIn.UserAgent ?? "unknown",
            ["time"] = AccountMailer.TimeOf(message.OccurredAt),
        }, cancellationToken);
    }

    private sealed record SignIn(Guid? SessionId, string? IpAddress, string? UserAgent);
}
