using System.Reflection;

namespace Warden.Server.Events;

/// <summary>
/// Every event type Warden writes, in one place: the wire contract for webhooks, RabbitMQ routing keys and the
/// audit log (docs/events.md). A type, once released, keeps its name. Event data never holds a secret.
/// </summary>
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

    /// <summary>A second factor was added, removed or replaced. Data: userId, actorId (an administrator, or null), added, removed, replaced (method names).</summary>
    public const string TwoFactorMethodsChanged = "two_factor.methods_changed";

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

    /// <summary>A pending user, or an administrator (<c>actorId</c>) for them, asked for a new verification link. Data: userId.</summary>
    public const string VerificationRequested = "user.verification_requested";

    // Profiles and self-service
    /// <summary>A new phone number was set; its handler sends the verification code. Data: userId, verificationId.</summary>
    public const string PhoneVerificationRequested = "user.phone_verification_requested";

    /// <summary>Data: userId.</summary>
    public const string PhoneVerified = "user.phone_verified";

    /// <summary>The phone number was set, changed or removed. Data: userId, removed.</summary>
    public const string PhoneChanged = "user.phone_changed";

    /// <summary>Data: userId, fields (names only).</summary>
    public const string SettingsUpdated = "user.settings_updated";

    /// <summary>Data: userId, newEmail. Handlers mail the confirmation link (if the address is free) and the notice to the old address.</summary>
    public const string EmailChangeRequested = "user.email_change_requested";

    /// <summary>Data: userId, previousEmail, revokedSessions. Its handler tells the previous address.</summary>
    public const string EmailChanged = "user.email_changed";

    // Webhooks
    public const string WebhookCreated = "webhook.created";
    public const string WebhookDeleted = "webhook.deleted";

    // Administration (audited with the acting administrator as actorId)
    /// <summary>Data: roleId, name, permissions.</summary>
    public const string RoleCreated = "role.created";

    /// <summary>Data: roleId, name, previousName (when renamed), addedPermissions, removedPermissions.</summary>
    public const string RoleUpdated = "role.updated";

    /// <summary>Data: roleId, name.</summary>
    public const string RoleDeleted = "role.deleted";

    /// <summary>Data: permissionId, name, roles (the roles it was added to).</summary>
    public const string PermissionCreated = "permission.created";

    /// <summary>Data: permissionId, name, roles (the roles it was taken from).</summary>
    public const string PermissionDeleted = "permission.deleted";

    /// <summary>An administrator cleared a user's sign-in lockout. Data: userId.</summary>
    public const string UserUnlocked = "user.unlocked";

    /// <summary>A user downloaded the export of their personal data. Data: userId.</summary>
    public const string PersonalDataExported = "user.data_exported";

    /// <summary>An administrator asked for a webhook delivery to be sent again. Data: webhookId, deliveryId, eventType.</summary>
    public const string WebhookRedeliveryRequested = "webhook.redelivery_requested";

    /// <summary>
    /// The owner of an address took over an unverified account registered with it, through the reset email: what
    /// the registrant set up is gone. Data: userId. The Profiles module clears the profile on it.
    /// </summary>
    public const string RegistrationReclaimed = "user.registration_reclaimed";

    // IP rules
    /// <summary>A client was blocked from the credential endpoints (credential stuffing). Data: blockId, network, reason, failures, identifiers, until.</summary>
    public const string IpBlocked = "ip.blocked";

    /// <summary>An automatic block was lifted before its time. Data: blockId, network, source (api or command_line).</summary>
    public const string IpUnblocked = "ip.unblocked";

    /// <summary>Data: ruleId, action (allow or deny), network, note, selfLockoutConfirmed.</summary>
    public const string IpRuleCreated = "ip_rule.created";

    /// <summary>Data: ruleId, action, network, source (api or command_line).</summary>
    public const string IpRuleDeleted = "ip_rule.deleted";

    /// <summary>
    /// The audit chain's head was published (only with <c>Warden:Audit:HeadEvent</c>), so a webhook can keep it
    /// outside Warden. Data: sequence, head (<c>&lt;sequence&gt;:&lt;hash&gt;</c>, the form <c>warden audit verify --head</c> takes).
    /// </summary>
    public const string AuditHeadPublished = "audit.head_published";

    /// <summary>An OpenID Connect client was registered. Data: applicationId, clientId, clientType, grantTypes.</summary>
    public const string OidcClientCreated = "oidc_client.created";

    /// <summary>A confidential client's secret was replaced (the old one stops working at once). Data: applicationId, clientId.</summary>
    public const string OidcClientSecretRotated = "oidc_client.secret_rotated";

    /// <summary>A client was removed with its grants and tokens. Data: applicationId, clientId.</summary>
    public const string OidcClientDeleted = "oidc_client.deleted";

    /// <summary>
    /// A batch of a user import was committed (one event per batch of up to 1,000 lines). Data: actorId (null from
    /// the command line), source (api or command_line), created, invited, userIds.
    /// </summary>
    public const string UsersImported = "users.imported";

    /// <summary>A passkey was added to an account. Data: userId, passkeyId (credential id, base64url), name, userVerified, backedUp.</summary>
    public const string PasskeyAdded = "passkey.added";

    /// <summary>A passkey was removed from an account. Data: userId, passkeyId, name.</summary>
    public const string PasskeyRemoved = "passkey.removed";

    /// <summary>
    /// An account was created by just-in-time migration: the upstream (<c>Warden:Migration:Upstream</c>) confirmed the
    /// password of an address Warden did not know. Data: userId, emailVerified, roles. A <c>user.registered</c>
    /// (<c>migrated: true</c>) comes with it.
    /// </summary>
    public const string UserMigrated = "user.migrated";

    /// <summary>A person consented to a third-party client's scopes (remembered per client and scope). Data: userId, applicationId, clientId, scopes.</summary>
    public const string OidcConsentGranted = "oidc_consent.granted";

    /// <summary>A person revoked a client's consent under "connected apps": its grants and tokens for them ended. Data: userId, applicationId, clientId.</summary>
    public const string OidcConsentRevoked = "oidc_consent.revoked";

    /// <summary>
    /// What a webhook's test sends: to the one subscription tested only, whatever types it subscribes to, and never through
    /// the outbox (no other handler sees it). Data: webhookId.
    /// </summary>
    public const string WebhookTest = "webhook.test";

    /// <summary>An administrator sent a webhook a test event. Data: webhookId, deliveryId.</summary>
    public const string WebhookTestRequested = "webhook.test_requested";

    /// <summary>An administrator gave a poisoned event a fresh set of attempts. Data: eventId, eventType.</summary>
    public const string OutboxEventRetried = "outbox.event_retried";

    /// <summary>An administrator registered an API scope for a service (its tokens carry the resources as <c>aud</c>). Data: scopeId, name, resources.</summary>
    public const string OidcScopeCreated = "oidc_scope.created";

    /// <summary>An API scope no client was granted was removed. Data: scopeId, name.</summary>
    public const string OidcScopeDeleted = "oidc_scope.deleted";

    /// <summary>
    /// An administrator asked for a new invitation for an invited user who has not chosen a password yet; its handler
    /// mails a fresh link, and the older ones stop working. Data: userId, actorId.
    /// </summary>
    public const string InvitationRequested = "user.invitation_requested";

    /// <summary>An administrator added an identity provider for external sign-in. Data: providerId, slug, kind, enabled.</summary>
    public const string IdentityProviderCreated = "identity_provider.created";

    /// <summary>An identity provider was changed (enabled, disabled, secret rotated...). Data: providerId, slug, changed (field names; never the secret).</summary>
    public const string IdentityProviderUpdated = "identity_provider.updated";

    /// <summary>An identity provider was removed, with the identities linked through it. Data: providerId, slug, unlinkedIdentities.</summary>
    public const string IdentityProviderDeleted = "identity_provider.deleted";

    /// <summary>
    /// An external identity was linked to an account: at its first sign-in (the account created from it), after the account's
    /// own proof (proof: password), or from the signed-in account page (proof: session). Data: userId, provider, providerId, proof.
    /// </summary>
    public const string ExternalLoginLinked = "user.external_login_linked";

    /// <summary>The person disconnected an external identity from their account. Data: userId, providerId, provider.</summary>
    public const string ExternalLoginUnlinked = "user.external_login_unlinked";

    /// <summary>Every type above: what a webhook may subscribe to by exact name.</summary>
    public static readonly IReadOnlySet<string> All = typeof(EventTypes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);
}
