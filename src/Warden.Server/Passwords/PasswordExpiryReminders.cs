using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Notifications;
using Warden.Server.Users;

namespace Warden.Server.Passwords;

/// <summary>
/// Looks for active users whose password expires within <c>Warden:Passwords:ExpiryReminderDays</c> and, once
/// per password, writes <c>password.expiry_reminder_due</c> together with a <see cref="PasswordExpiryReminder"/>
/// row in one commit; <see cref="SendPasswordExpiryReminder"/> mails it. Safe on several nodes: the row's key
/// is the claim.
/// </summary>
public sealed class PasswordExpiryReminders(
    IServiceScopeFactory scopes,
    FirstRoundsGate gate,
    TimeProvider time,
    IOptions<PasswordPolicyOptions> policy,
    IOptions<PasswordLifecycleOptions> options,
    ILogger<PasswordExpiryReminders> logger) : PeriodicJob(scopes, gate, time)
{
    public const int BatchSize = 200;

    protected override TimeSpan Interval => options.Value.ExpiryReminderCheckInterval;

    protected override void LogFailed(Exception exception) =>
        logger.LogWarning(exception, "Looking for passwords about to expire failed; trying again later");

    /// <summary>Queues every reminder that is due now; returns how many.</summary>
    protected override async Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var rules = policy.Value;
        if (!rules.ExpiryEnabled || rules.ExpiryReminderDays <= 0)
        {
            return 0;
        }

        var now = Time.GetUtcNow();
        var maxAge = rules.MaxAge!.Value;
        // The window of PasswordExpiry.IsReminderDue, as bounds on PasswordChangedAt: not yet expired, but
        // expiring within the reminder period.
        var expiredIfBefore = now - maxAge;
        var dueIfBefore = expiredIfBefore.AddDays(rules.ExpiryReminderDays);

        var db = services.GetRequiredService<WardenDbContext>();
        // Reminders of replaced passwords are no longer needed to prevent a repeat.
        await db.PasswordExpiryReminders
            .Where(r => !db.Users.Any(u => u.Id == r.UserId && u.PasswordChangedAt == r.PasswordChangedAt))
            .ExecuteDeleteAsync(cancellationToken);

        var queued = 0;
        while (true)
        {
            var due = await db.Users.AsNoTracking()
                .Where(u => u.Status == UserStatus.Active && u.PasswordHash != null && u.PasswordChangedAt != null
                            && u.PasswordChangedAt > expiredIfBefore && u.PasswordChangedAt <= dueIfBefore)
                .Where(u => !db.PasswordExpiryReminders.Any(r => r.UserId == u.Id && r.PasswordChangedAt == u.PasswordChangedAt))
                .OrderBy(u => u.Id)
                .Take(BatchSize)
                .Select(u => new { u.Id, ChangedAt = u.PasswordChangedAt!.Value })
                .ToListAsync(cancellationToken);

            foreach (var user in due)
            {
                db.PasswordExpiryReminders.Add(new PasswordExpiryReminder { UserId = user.Id, PasswordChangedAt = user.ChangedAt, RemindedAt = now });
                db.AddEvent(EventTypes.PasswordExpiryReminderDue, user.Id, new { userId = user.Id, expiresAt = user.ChangedAt + maxAge }, now);
                try
                {
                    await db.SaveChangesAsync(cancellationToken);
                    queued++;
                }
                catch (DbUpdateException)
                {
                    // Another node reminded this user of this password first; its row now excludes the user.
                }

                db.ChangeTracker.Clear();
            }

            if (due.Count < BatchSize)
            {
                return queued;
            }
        }
    }
}

/// <summary><c>password.expiry_reminder_due</c> → the <c>password-expiry-reminder</c> email, unless the password changed meanwhile.</summary>
public sealed class SendPasswordExpiryReminder(WardenDbContext db, PasswordExpiry expiry, AccountMailer mailer, PublicLinks links, TimeProvider time)
    : IEventHandler
{
    public string Name => "password.send-expiry-reminder";

    public bool CanHandle(string eventType) => eventType == EventTypes.PasswordExpiryReminderDue;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.Deserialize<Due>(message.Data, JsonSerializerOptions.Web);
        var user = message.Subject is { } id ? await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, cancellationToken) : null;
        var now = time.GetUtcNow();
        if (data is null || user is null || user.Status != UserStatus.Active
            || expiry.ExpiresAt(user) is not { } expiresAt || expiresAt <= now
            || (expiresAt - data.ExpiresAt).Duration() > TimeSpan.FromSeconds(1))
        {
            return; // changed, expired or gone since: the reminder would be wrong
        }

        var days = Math.Max(1, (int)Math.Ceiling((expiresAt - now).TotalDays));
        await mailer.SendAsync(user.Id, EmailTemplateNames.PasswordExpiryReminder, new Dictionary<string, string>
        {
            ["days"] = days.ToString(CultureInfo.InvariantCulture),
            ["link"] = links.Build("/account/password"),
        }, cancellationToken);
    }

    private sealed record Due(DateTimeOffset ExpiresAt);
}
