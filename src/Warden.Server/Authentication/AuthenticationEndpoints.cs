using Warden.Server.Authentication.EmailVerification;
using Warden.Server.Authentication.Login;
using Warden.Server.Authentication.PasswordReset;
using Warden.Server.Authentication.Registration;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Authentication.TwoFactor;

namespace Warden.Server.Authentication;

/// <summary>The anonymous authentication endpoints of API.md (<c>/api/v1/auth</c>), rate-limited per client IP.</summary>
public static class AuthenticationEndpoints
{
    public static RouteGroupBuilder MapAuthenticationEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/v1/auth").WithTags("Authentication").AllowAnonymous().RequireRateLimiting(RateLimitSetup.AuthPolicy);

        auth.MapPost("/register", Register.HandleAsync).WithName("Register").WithSummary("Create an account (pending email verification).");
        auth.MapPost("/verify-email", VerifyEmail.HandleAsync).WithName("VerifyEmail").WithSummary("Activate an account with the emailed token.");
        auth.MapPost("/resend-verification", ResendVerification.HandleAsync).WithName("ResendVerification").WithSummary("Send a new verification link (202 for any address).");
        auth.MapPost("/login", Login.Login.HandleAsync).WithName("Login").WithSummary("Sign in with email or username and password.");
        auth.MapPost("/refresh", Refresh.HandleAsync).WithName("Refresh").WithSummary("Trade a refresh token for a new token pair.");
        auth.MapPost("/logout", Logout.HandleAsync).WithName("Logout").WithSummary("End the session of the refresh or bearer token.")
            .Accepts<LogoutRequest>("application/json");
        auth.MapLoginSecondFactor();
        auth.MapPasswordResetEndpoints();
        return auth;
    }
}
