using Microsoft.Extensions.Options;
using Warden.Server.Users;

namespace Warden.Server.Passwords;

/// <summary>
/// When a password must be changed (<c>Warden:Passwords:MaxAge</c>) and when to remind the user. Pure: the
/// caller passes the time (from its <c>TimeProvider</c>). The flows that act on it come with sign-in.
/// </summary>
public sealed class PasswordExpiry(IOptions<PasswordPolicyOptions> options)
{
    /// <summary>
    /// When the user's password expires, or null when expiry is off or the user has no password change on record
    /// (no password at all, or an import that did not say when it was set: forcing those people through a
    /// change would be a surprise, so imports should set <c>PasswordChangedAt</c>).
    /// </summary>
    public DateTimeOffset? ExpiresAt(User user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var rules = options.Value;
        return rules.ExpiryEnabled && user.PasswordChangedAt is { } changedAt ? changedAt + rules.MaxAge!.Value : null;
    }

    public bool IsExpired(User user, DateTimeOffset now) => ExpiresAt(user) is { } expiresAt && now >= expiresAt;

    /// <summary>True within the last <c>ExpiryReminderDays</c> before expiry (and not once it has expired).</summary>
    public bool IsReminderDue(User user, DateTimeOffset now) =>
        ExpiresAt(user) is { } expiresAt && now < expiresAt && now >= expiresAt.AddDays(-options.Value.ExpiryReminderDays);
}
