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

        var since = message.OccurredAt - options.Value.NewSignInKnownFor;
        var earlierSessions = db.Sessions.AsNoTracking()
            .Where(s => s.UserId == userId && s.Id != signIn.SessionId && s.CreatedAt <= message.OccurredAt);
        var earlierSignIns = db.AuditLog.AsNoTracking()
            .Where(e => e.SubjectId == userId && e.Action == EventTypes.LoginSucceeded && e.EventId != message.Id && e.OccurredAt <= message.OccurredAt);

        if (!await earlierSessions.AnyAsync(cancellationToken) && !await earlierSignIns.AnyAsync(cancellationToken))
        {
            return; // the first sign-in ever
        }

        var known = await earlierSessions.AnyAsync(s => s.CreatedAt >= since && s.IpAddress == signIn.IpAddress && s.UserAgent == signIn.UserAgent, cancellationToken)
                    || await earlierSignIns.AnyAsync(e => e.OccurredAt >= since && e.IpAddress == signIn.IpAddress && e.UserAgent == signIn.UserAgent, cancellationToken);
        if (known)
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
