namespace Warden.Server.Authentication.TwoFactor;

public static class TwoFactorEndpoints
{
    /// <summary>The signed-in user's own factors, under <c>/api/v1/users/2fa</c>.</summary>
    public static RouteGroupBuilder MapTwoFactorManagement(this RouteGroupBuilder users)
    {
        var twoFactor = users.MapGroup("/2fa").WithTags("Two-factor authentication");
        twoFactor.MapGet("", TwoFactorManagement.GetAsync).WithName("GetTwoFactor").WithSummary("Which second factors are on.");
        twoFactor.MapPost("/totp/setup", TotpEnrollment.SetupAsync).WithName("SetupTotp")
            .WithSummary("A new authenticator secret and QR code (replacing one needs the password or a code).");
        twoFactor.MapPost("/totp/confirm", TotpEnrollment.ConfirmAsync).WithName("ConfirmTotp")
            .WithSummary("Turn the authenticator on with a code from it; answers 10 recovery codes.");
        twoFactor.MapPost("/recovery-codes", TwoFactorManagement.RegenerateRecoveryCodesAsync).WithName("RegenerateRecoveryCodes")
            .WithSummary("10 new recovery codes; the old ones stop working.");
        twoFactor.MapPut("/methods", TwoFactorManagement.SetMethodsAsync).WithName("SetTwoFactorMethods")
            .WithSummary("Turn SMS or email codes on or off and pick the preferred method.");
        twoFactor.MapDelete("", TwoFactorManagement.DisableAsync).WithName("DisableTwoFactor")
            .WithSummary("Turn every second factor off (needs the password or a code).")
            .Accepts<CodeRequest>("application/json");
        return users;
    }

    /// <summary>The second sign-in step, under <c>/api/v1/auth/2fa</c>.</summary>
    public static RouteGroupBuilder MapLoginSecondFactor(this RouteGroupBuilder auth)
    {
        auth.MapPost("/2fa/send", LoginSecondFactor.SendAsync).WithName("SendTwoFactorCode").WithSummary("Send (or resend) an SMS or email code for a sign-in.");
        auth.MapPost("/2fa/verify", LoginSecondFactor.VerifyAsync).WithName("VerifyTwoFactor").WithSummary("Finish a sign-in with a second-factor or recovery code.");
        return auth;
    }
}
