using Microsoft.Extensions.Options;
using Warden.Server.Authentication.Login;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authentication.Registration;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Events;
using Warden.Server.Notifications;
using Warden.Server.Profiles;
using Warden.Server.Users;
using Warden.Server.Privacy;

namespace Warden.Server.Authentication;

public static class AuthenticationSetup
{
    public static IServiceCollection AddWardenAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthenticationOptions>().Bind(configuration.GetSection(AuthenticationOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthenticationOptions>, AuthenticationOptionsValidator>();

        services.AddAuthentication(BearerAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, BearerAuthenticationHandler>(BearerAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();

        services.AddMemoryCache();
        services.AddSingleton<SessionCache>();
        services.AddSingleton<DummyPasswordHash>();
        services.AddScoped<SessionIssuer>();
        services.AddScoped<SessionRevocation>();
        services.AddScoped<LoginThrottle>();
        services.AddScoped<LoginChallenges>();
        services.AddScoped<SignInCompletion>();
        services.AddScoped<AccountTokens>();
        services.AddScoped<AccountErasure>();
        services.AddHostedService<ExpiredDataCleanup>();
        services.AddWardenRateLimits(configuration);

        services.AddEventHandler<CreateDefaultProfile>();
        services.AddEventHandler<SendVerificationEmail>();
        services.AddEventHandler<SendRegistrationAttemptNotice>();
        services.AddEventHandler<SendWelcomeEmail>();
        return services;
    }
}
