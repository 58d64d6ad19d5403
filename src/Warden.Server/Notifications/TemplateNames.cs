namespace Warden.Server.Notifications;

/// <summary>The built-in templates and the values each one needs.</summary>
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

    /// <summary>To the old address; no values.</summary>
    public const string EmailChangeNotice = "email-change-notice";

    /// <summary>code, expiresMinutes</summary>
    public const string TwoFactorCode = "two-factor-code";

    /// <summary>name, days, link</summary>
    public const string PasswordExpiryReminder = "password-expiry-reminder";

    /// <summary>name, link, token</summary>
    public const string Invitation = "invitation";

    /// <summary>name, ipAddress, userAgent, time</summary>
    public const string NewSignIn = "new-sign-in";
}

public static class SmsTemplateNames
{
    /// <summary>code, expiresMinutes</summary>
    public const string TwoFactorCode = "two-factor-code";

    /// <summary>code, expiresMinutes</summary>
    public const string PhoneVerification = "phone-verification";
}
