using Warden.Server.Authentication.Login;

namespace Warden.Server.Authentication.PasswordReset;

/// <summary>The anonymous password endpoints of API.md, on the authentication group (<c>/api/v1/auth</c>).</summary>
public static class PasswordResetEndpoints
{
    public static RouteGroupBuilder MapPasswordResetEndpoints(this RouteGroupBuilder auth)
    {
        auth.MapPost("/forgot-password", ForgotPassword.HandleAsync)
            .WithName("ForgotPassword")
            .WithSummary("Email a password reset link (202 for any address).");
        auth.MapPost("/reset-password", ResetPassword.HandleAsync)
            .WithName("ResetPassword")
            .WithSummary("Set a new password with a reset or invitation token; every session of the user ends.");
        auth.MapPost("/change-expired-password", ExpiredPassword.HandleAsync)
            .WithName("ChangeExpiredPassword")
            .WithSummary("Replace an expired password with the sign-in challenge; answers tokens or the second-factor challenge.");
        return auth;
    }
}
