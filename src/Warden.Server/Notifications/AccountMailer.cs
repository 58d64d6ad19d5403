using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Notifications;

/// <summary>
/// Sends a templated email to a user, in the user's locale and with the user's name filled in, unless the template's
/// <see cref="MailCategory"/> is one the user turned off. Called from event handlers only, never from a request.
/// </summary>
/// <remarks>
/// Mail to an address nobody has proved to own (an unverified account's, the new address of an email change)
/// carries no text the account's holder chose: the name is the address itself, whatever the profile, the
/// username or the caller says. Otherwise registering someone's address with a "name" such as a phishing
/// link would have Warden deliver that link to them, signed by the service.
/// </remarks>
public sealed class AccountMailer(WardenDbContext db, EmailTemplates templates, IEmailSender sender)
{
    public async Task SendAsync(Guid userId, string template, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken, string? toAddress = null)
    {
        var recipient = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new
            {
                u.Email,
                u.EmailConfirmed,
                u.UserName,
                // Filtered by the parameter as well as by u.Id: without it SQLite, which has no LATERAL join, numbered
                // every profile to keep this user's (AccountViewCache.LoadForTokenAsync says more).
                Profile = db.Profiles.Where(p => p.UserId == userId && p.UserId == u.Id).Select(p => new { p.FullName, p.FirstName, p.LastName, p.Locale }).FirstOrDefault(),
                // No settings row means the defaults, and account notices default to on.
                NotifyAccount = db.UserSettings.Where(s => s.UserId == u.Id).Select(s => (bool?)s.NotifyAccount).FirstOrDefault() ?? true,
            })
            .SingleOrDefaultAsync(cancellationToken);
        var to = toAddress ?? recipient?.Email;
        if (recipient is null || to is null)
        {
            return; // erased or never existed: nobody to write to
        }

        if (EmailTemplateNames.CategoryOf(template) == MailCategory.Account && !recipient.NotifyAccount)
        {
            return; // the user asked not to get these; security notices and requested mail are not theirs to turn off
        }

        var merged = new Dictionary<string, string>(values);
        var unproven = !recipient.EmailConfirmed || !string.Equals(to, recipient.Email, StringComparison.OrdinalIgnoreCase);
        if (unproven)
        {
            merged["name"] = to;
        }
        else if (!merged.ContainsKey("name"))
        {
            merged["name"] = NameOf(recipient.Profile?.FullName, recipient.Profile?.FirstName, recipient.Profile?.LastName)
                             ?? recipient.UserName ?? to;
        }

        var message = await templates.RenderAsync(template, to, recipient.Profile?.Locale, merged, cancellationToken);
        await sender.SendAsync(message, cancellationToken);
    }

    /// <summary>A moment as the notices show it: UTC to the minute, the same in every language.</summary>
    public static string TimeOf(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);

    public static string? NameOf(string? fullName, string? firstName, string? lastName) =>
        !string.IsNullOrWhiteSpace(fullName) ? fullName
        : string.Join(' ', new[] { firstName, lastName }.Where(n => !string.IsNullOrWhiteSpace(n))) is { Length: > 0 } joined ? joined
        : null;
}
