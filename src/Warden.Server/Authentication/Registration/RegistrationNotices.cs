using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Login;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Authentication.Registration;

/// <summary>
/// Whether a registration of a taken address may tell its owner (<c>user.registration_attempted</c>): at most one
/// notice per address every <see cref="AuthenticationOptions.RegistrationNoticeInterval"/> and
/// <see cref="AuthenticationOptions.RegistrationNoticesPerDay"/> a day, or anyone could flood a mailbox by
/// registering it over and over.
/// </summary>
/// <remarks>
/// The evidence is in the database, so every node sees the same: the interval is a conditional update of one
/// row in <c>login_attempts</c> (keyed by a hash of the normalized address, as the reset throttle is), which
/// only one of any number of concurrent registrations can win; the daily cap counts the notices already in the
/// outbox. The caller answers the same whatever this says.
/// </remarks>
public static class RegistrationNotices
{
    public const string ThrottleKeyPrefix = "notice:";

    /// <summary>
    /// Reserves the next notice for the address, inside the caller's transaction (which then writes the event):
    /// true when one may be sent now.
    /// </summary>
    public static async Task<bool> TryReserveAsync(
        WardenDbContext db, string normalizedEmail, Guid ownerId, AuthenticationOptions options, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var key = ThrottleKeyPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalizedEmail)));
        var sentBefore = now - options.RegistrationNoticeInterval;
        var won = await db.LoginAttempts
            .Where(a => a.Identifier == key && a.LastAttemptAt <= sentBefore)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.LastAttemptAt, now), cancellationToken) == 1;
        if (!won)
        {
            if (await db.LoginAttempts.AnyAsync(a => a.Identifier == key, cancellationToken))
            {
                return false; // one was sent within the interval
            }

            // The first notice for this address (or the first since the row was cleaned up). A concurrent
            // registration inserting the same key fails on the primary key and sends nothing.
            db.LoginAttempts.Add(new LoginAttempt { Identifier = key, LastAttemptAt = now });
        }

        var dayAgo = now - TimeSpan.FromDays(1);
        var sentToday = await db.OutboxMessages.CountAsync(
            m => m.Subject == ownerId && m.Type == EventTypes.RegistrationAttempted && m.OccurredAt > dayAgo, cancellationToken);
        return sentToday < options.RegistrationNoticesPerDay;
    }
}
