namespace Warden.Server.Events;

/// <summary>Event type names of DESIGN.md; the wire contract for webhooks and RabbitMQ routing keys.</summary>
public static class EventTypes
{
    public const string UserRegistered = "user.registered";
    public const string ProfileCreated = "profile.created";
    public const string UserEmailVerified = "user.email_verified";
    public const string LoginPasswordVerified = "login.password_verified";
    public const string LoginSucceeded = "login.succeeded";
    public const string LoginFailed = "login.failed";
    public const string TwoFactorChallengeSent = "two_factor.challenge_sent";
    public const string TwoFactorVerified = "two_factor.verified";
    public const string TwoFactorEnabled = "two_factor.enabled";
    public const string TwoFactorDisabled = "two_factor.disabled";
    public const string TwoFactorRecoveryCodesRegenerated = "two_factor.recovery_codes_regenerated";

    /// <summary>A signed-in-half user asked for an SMS or email code (the handler makes and sends it).</summary>
    public const string TwoFactorCodeRequested = "two_factor.code_requested";
    public const string PasswordResetRequested = "password.reset_requested";
    public const string PasswordChanged = "password.changed";

    /// <summary>A password expires soon (<c>Warden:Passwords:ExpiryReminderDays</c>); its handler mails the reminder.</summary>
    public const string PasswordExpiryReminderDue = "password.expiry_reminder_due";

    public const string ProfileUpdated = "profile.updated";
    public const string SessionRevoked = "session.revoked";
    public const string UserLoggedOut = "user.logged_out";
    public const string UserLocked = "user.locked";
    public const string UserStatusChanged = "user.status_changed";
    public const string UserDeleted = "user.deleted";
    public const string RoleAssigned = "role.assigned";
    public const string RoleRemoved = "role.removed";

    /// <summary>Someone tried to register an address that has an account; its owner is told, the caller is not.</summary>
    public const string RegistrationAttempted = "user.registration_attempted";

    /// <summary>A pending user asked for a new verification link.</summary>
    public const string VerificationRequested = "user.verification_requested";
}
