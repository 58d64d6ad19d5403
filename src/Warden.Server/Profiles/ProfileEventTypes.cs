namespace Warden.Server.Profiles;

/// <summary>
/// Events of the profile and self-service module beyond DESIGN.md's list (kept here so that the shared
/// EventTypes file stays untouched; they can move there at merge). None carries a secret.
/// </summary>
public static class ProfileEventTypes
{
    /// <summary>A new phone number was set; its handler sends the verification code. Data: userId, verificationId.</summary>
    public const string PhoneVerificationRequested = "user.phone_verification_requested";

    /// <summary>Data: userId.</summary>
    public const string PhoneVerified = "user.phone_verified";

    /// <summary>Data: userId, fields (names only).</summary>
    public const string SettingsUpdated = "user.settings_updated";

    /// <summary>Data: userId, newEmail. Handlers mail the confirmation link (if the address is free) and the notice to the old address.</summary>
    public const string EmailChangeRequested = "user.email_change_requested";

    /// <summary>Data: userId, revokedSessions.</summary>
    public const string EmailChanged = "user.email_changed";
}
