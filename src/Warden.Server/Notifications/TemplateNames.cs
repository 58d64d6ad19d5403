namespace Warden.Server.Notifications;

/// <summary>The built-in templates, the values each one needs and the category that decides whether it goes.</summary>
public static class EmailTemplateNames
{
    /// <summary>name, link, token, expiresHours</summary>
    public const string VerifyEmail = "verify-email";

    /// <summary>Someone tried to register with this address. name, loginLink, resetLink</summary>
    public const string RegistrationAttempt = "registration-attempt";

    /// <summary>name</summary>
    public const string Welcome = "welcome";

    /// <summary>name, link, token, expiresMinutes</summary>
    public const string PasswordReset = "password-reset";

    /// <summary>name</summary>
    public const string PasswordChanged = "password-changed";

    /// <summary>To the new address. link, token</summary>
    public const string EmailChangeConfirm = "email-change-confirm";

    /// <summary>To the old address when a change is asked for; no values.</summary>
    public const string EmailChangeNotice = "email-change-notice";

    /// <summary>To the old address once the change is done; no values.</summary>
    public const string EmailChanged = "email-changed";

    /// <summary>code, expiresMinutes</summary>
    public const string TwoFactorCode = "two-factor-code";

    /// <summary>name, days, link</summary>
    public const string PasswordExpiryReminder = "password-expiry-reminder";

    /// <summary>name, link, token</summary>
    public const string Invitation = "invitation";

    /// <summary>name, ipAddress, userAgent, time</summary>
    public const string NewSignIn = "new-sign-in";

    /// <summary>To the owner when a second factor is added, removed or replaced, or recovery codes are renewed. name, changes, time</summary>
    public const string SecondFactorChanged = "second-factor-changed";

    /// <summary>To the owner when the phone number is set, changed or removed. name, change, time</summary>
    public const string PhoneChanged = "phone-changed";

    /// <summary>
    /// Whether <paramref name="template"/> is sent always (asked for, or a security notice) or only when the user's
    /// <c>account</c> notifications are on. Every template has a category: a new one fails here until it is given one.
    /// </summary>
    public static MailCategory CategoryOf(string template) => template switch
    {
        VerifyEmail or PasswordReset or EmailChangeConfirm or TwoFactorCode or Invitation => MailCategory.Requested,
        RegistrationAttempt or PasswordChanged or EmailChangeNotice or EmailChanged or SecondFactorChanged or PhoneChanged => MailCategory.Security,
        Welcome or PasswordExpiryReminder or NewSignIn => MailCategory.Account,
        _ => throw new ArgumentOutOfRangeException(nameof(template), template, "This template has no mail category."),
    };
}

/// <summary>
/// Why an email is sent, which decides whether the user's notification settings can stop it (docs/api.md, "Settings").
/// Warden sends nothing in the <c>marketing</c> and <c>productUpdates</c> categories: those settings are kept for the
/// application that sends such mail.
/// </summary>
public enum MailCategory
{
    /// <summary>The person asked for it a moment ago (a link, a code, an invitation an administrator sent): always sent.</summary>
    Requested,

    /// <summary>A change to how the account is protected, or an attempt on it: always sent, whatever the settings.</summary>
    Security,

    /// <summary>Useful news about the account (welcome, a password about to expire, a sign-in from a new device): the <c>account</c> setting.</summary>
    Account,
}

public static class SmsTemplateNames
{
    /// <summary>code, expiresMinutes</summary>
    public const string TwoFactorCode = "two-factor-code";

    /// <summary>code, expiresMinutes</summary>
    public const string PhoneVerification = "phone-verification";
}
