namespace Warden.Server.Infrastructure.Http;

/// <summary>
/// Every problem code Warden answers with, in one place: the <c>code</c> member of a problem details body
/// (and the end of its <c>type</c>, <c>urn:warden:problem:&lt;code&gt;</c>). Clients switch on these; they
/// never change once released. Titles are for people and may change.
/// </summary>
public static class ProblemCodes
{
    // Any endpoint
    public const string ValidationFailed = "validation_failed";
    public const string MalformedRequest = "malformed_request";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string NotAcceptable = "not_acceptable";
    public const string RequestTimeout = "request_timeout";
    public const string Conflict = "conflict";
    public const string PayloadTooLarge = "payload_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string RateLimited = "rate_limited";
    public const string Unavailable = "unavailable";
    public const string InternalError = "internal_error";
    public const string Error = "error";

    // Registration, sign-in and emailed tokens
    public const string InvalidCredentials = "invalid_credentials";
    public const string EmailNotVerified = "email_not_verified";
    public const string AccountSuspended = "account_suspended";
    public const string AccountLocked = "account_locked";
    public const string TokenInvalid = "token_invalid";
    public const string UsernameTaken = "username_taken";
    public const string EmailTaken = "email_taken";

    // Passwords: the failed rules are listed in the body's errors, by rule code (Passwords/PasswordRules.cs)
    public const string PasswordPolicy = "password_policy";

    // Second factors
    public const string InvalidCode = "invalid_code";
    public const string NoPendingSetup = "no_pending_setup";
    public const string MethodUnavailable = "method_unavailable";
    public const string TwoFactorNotEnabled = "two_factor_not_enabled";

    // Re-authentication before a sensitive change (Authentication/Reauthentication.cs)
    public const string ReauthenticationRequired = "reauthentication_required";
    public const string ReauthenticationFailed = "reauthentication_failed";
    public const string ReauthenticationLocked = "reauthentication_locked";

    // Roles, permissions and administration
    public const string PrivilegeEscalation = "privilege_escalation";
    public const string LastAdministrator = "last_administrator";
    public const string CannotChangeSelf = "cannot_change_self";
    public const string StepUpRequired = "step_up_required";
    public const string RoleExists = "role_exists";
    public const string RoleInUse = "role_in_use";
    public const string DefaultRole = "default_role";
    public const string PermissionExists = "permission_exists";
    public const string DefaultPermission = "default_permission";

    // Profiles
    public const string InvalidImage = "invalid_image";

    // IP rules
    public const string IpDenied = "ip_denied";
    public const string IpBlocked = "ip_blocked";
    public const string SelfLockout = "self_lockout";

    // Passkeys (Authentication/Passkeys)
    public const string PasskeysUnavailable = "passkeys_unavailable";
    public const string PasskeyRejected = "passkey_rejected";
    public const string UserVerificationRequired = "user_verification_required";

    // Mail an administrator sends again (Administration/ResendAccountMail.cs)
    public const string NotAwaitingVerification = "not_awaiting_verification";
    public const string NotAwaitingInvitation = "not_awaiting_invitation";

    // Self-service registration switched off (Warden:Authentication:OpenRegistration)
    public const string RegistrationClosed = "registration_closed";
}
