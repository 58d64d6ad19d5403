using Warden.Server.Authentication.EmailVerification;
using Warden.Server.Authentication.Login;
using Warden.Server.Authentication.Passkeys;
using Warden.Server.Authentication.PasswordChange;
using Warden.Server.Authentication.PasswordReset;
using Warden.Server.Authentication.Registration;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Authentication.TwoFactor;
using Warden.Server.Infrastructure.Http;

namespace Warden.Server.Authentication;

/// <summary>Every endpoint of the Authentication module, on the groups the route table gives it.</summary>
public static class AuthenticationEndpoints
{
    /// <summary>The anonymous steps under <c>/api/v1/auth</c>, in the order a person meets them.</summary>
    public static RouteGroupBuilder MapAuthenticationEndpoints(this RouteGroupBuilder auth)
    {
        auth.WithTags("Authentication");
        auth.MapPost("/register", Register.HandleAsync).WithName("Register").ClosedToBlockedClients().WithSummary("Create an account (pending email verification).");
        auth.MapPost("/verify-email", VerifyEmail.HandleAsync).WithName("VerifyEmail").WithSummary("Activate an account with the emailed token.");
        auth.MapPost("/resend-verification", ResendVerification.HandleAsync).WithName("ResendVerification").WithSummary("Send a new verification link (202 for any address).");

        auth.MapPost("/login", Login.Login.HandleAsync).WithName("Login").ClosedToBlockedClients().WithSummary("Sign in with email or username and password.");
        auth.MapPost("/2fa/send", LoginSecondFactor.SendAsync).WithName("SendTwoFactorCode").ClosedToBlockedClients().WithSummary("Send (or resend) an SMS or email code for a sign-in.");
        auth.MapPost("/2fa/verify", LoginSecondFactor.VerifyAsync).WithName("VerifyTwoFactor").ClosedToBlockedClients()
            .WithSummary("Finish a sign-in with a second-factor or recovery code; answers tokens, or the password-change challenge when the password has expired.");
        auth.MapPost("/2fa/passkey/options", PasskeySecondFactor.OptionsAsync).WithName("PasskeySecondFactorOptions").ClosedToBlockedClients()
            .WithSummary("WebAuthn options to answer a sign-in's second step with a passkey (lists the account's passkeys: the password is proven).");
        auth.MapPost("/2fa/passkey/verify", PasskeySecondFactor.VerifyAsync).WithName("PasskeySecondFactorVerify").ClosedToBlockedClients()
            .WithSummary("Finish a sign-in's second step with a passkey assertion; answers tokens, or the password-change challenge.");
        auth.MapPost("/passkey/options", PasskeySignIn.OptionsAsync).WithName("PasskeySignInOptions").ClosedToBlockedClients()
            .WithSummary("WebAuthn options to sign in with a passkey alone (empty allowCredentials: names no account).");
        auth.MapPost("/passkey/verify", PasskeySignIn.VerifyAsync).WithName("PasskeySignIn").ClosedToBlockedClients()
            .WithSummary("Sign in with a discoverable passkey's assertion; answers tokens.");
        auth.MapPost("/change-expired-password", ExpiredPassword.HandleAsync).WithName("ChangeExpiredPassword").ClosedToBlockedClients()
            .WithSummary("Replace an expired password with the challenge a sign-in gave once every factor was verified; answers tokens, other sessions end.");

        auth.MapPost("/refresh", Refresh.HandleAsync).WithName("Refresh").WithSummary("Trade a refresh token for a new token pair.");
        auth.MapPost("/logout", Logout.HandleAsync).WithName("Logout").WithSummary("End the session of the refresh or bearer token.")
            .Accepts<LogoutRequest>("application/json");

        auth.MapPost("/forgot-password", ForgotPassword.HandleAsync).WithName("ForgotPassword").ClosedToBlockedClients().WithSummary("Email a password reset link (202 for any address).");
        auth.MapPost("/reset-password", ResetPassword.HandleAsync).WithName("ResetPassword").ClosedToBlockedClients()
            .WithSummary("Set a new password with a reset or invitation token; every session of the user ends.");
        return auth;
    }

    /// <summary>The signed-in user's own account under <c>/api/v1/users</c>: who am I, sessions, second factors, password.</summary>
    public static RouteGroupBuilder MapAccountEndpoints(this RouteGroupBuilder users)
    {
        users.MapGet("/me", AccountView.GetMeAsync).WithTags("Account").WithName("GetMe").WithSummary("The signed-in user's account.");

        users.MapGet("/sessions", SessionEndpoints.ListAsync).WithTags("Account").WithName("ListSessions").WithSummary("The caller's active sessions.");
        users.MapDelete("/sessions/{id:guid}", SessionEndpoints.RevokeAsync).WithTags("Account").WithName("RevokeSession").WithSummary("End one of the caller's sessions.");
        users.MapDelete("/sessions", SessionEndpoints.RevokeOthersAsync).WithTags("Account").WithName("RevokeOtherSessions").WithSummary("End every session but the current one.");

        users.MapPut("/password", ChangePassword.HandleAsync).WithTags("Account").WithName("ChangePassword")
            .WithSummary("Change the password (needs the current one); every other session is signed out.");

        var twoFactor = users.MapGroup("/2fa").WithTags("Two-factor authentication");
        twoFactor.MapGet("", TwoFactorManagement.GetAsync).WithName("GetTwoFactor").WithSummary("Which second factors are on.");
        twoFactor.MapPost("/totp/setup", TotpEnrollment.SetupAsync).WithName("SetupTotp")
            .WithSummary("A new authenticator secret and QR code (needs re-authentication).");
        twoFactor.MapPost("/totp/confirm", TotpEnrollment.ConfirmAsync).WithName("ConfirmTotp")
            .WithSummary("Turn the authenticator on with a code from it; answers 10 recovery codes.");
        twoFactor.MapPost("/recovery-codes", TwoFactorManagement.RegenerateRecoveryCodesAsync).WithName("RegenerateRecoveryCodes")
            .WithSummary("10 new recovery codes; the old ones stop working.");
        twoFactor.MapPut("/methods", TwoFactorManagement.SetMethodsAsync).WithName("SetTwoFactorMethods")
            .WithSummary("Turn SMS or email codes on or off and pick the preferred method.");
        twoFactor.MapDelete("", TwoFactorManagement.DisableAsync).WithName("DisableTwoFactor")
            .WithSummary("Turn every second factor off (needs re-authentication).")
            .Accepts<CodeRequest>("application/json");

        var passkeys = users.MapGroup("/passkeys").WithTags("Passkeys");
        passkeys.MapGet("", PasskeyManagement.ListAsync).WithName("ListPasskeys").WithSummary("The caller's passkeys.");
        passkeys.MapPost("/register/options", PasskeyRegistration.OptionsAsync).WithName("PasskeyRegistrationOptions")
            .WithSummary("WebAuthn options to create a passkey (needs re-authentication).");
        passkeys.MapPost("/register/verify", PasskeyRegistration.VerifyAsync).WithName("RegisterPasskey")
            .WithSummary("Store the new passkey from its attestation, under a name.");
        passkeys.MapPost("/reauthenticate/options", PasskeyReauthentication.OptionsAsync).WithName("PasskeyReauthenticationOptions")
            .WithSummary("WebAuthn options to re-authenticate this session with one of the caller's passkeys.");
        passkeys.MapPost("/reauthenticate/verify", PasskeyReauthentication.VerifyAsync).WithName("PasskeyReauthenticate")
            .WithSummary("Re-authenticate this session with a passkey assertion (user verification required).");
        passkeys.MapPatch("/{id}", PasskeyManagement.RenameAsync).WithName("RenamePasskey").WithSummary("Rename one of the caller's passkeys.");
        passkeys.MapDelete("/{id}", PasskeyManagement.RemoveAsync).WithName("RemovePasskey")
            .WithSummary("Remove one of the caller's passkeys (needs re-authentication).")
            .Accepts<RemovePasskeyRequest>("application/json");
        return users;
    }
}
