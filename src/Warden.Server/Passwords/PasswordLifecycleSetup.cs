using Microsoft.Extensions.Options;
using Warden.Server.Authentication.Login;
using Warden.Server.Authentication.PasswordReset;
using Warden.Server.Events;
using Warden.Server.Authentication.PasswordChange;

namespace Warden.Server.Passwords;

public static class PasswordLifecycleSetup
{
    /// <summary>The password flows: reset, change, expiry at sign-in and expiry reminders, and their emails.</summary>
    public static IServiceCollection AddWardenPasswordLifecycle(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PasswordLifecycleOptions>().Bind(configuration.GetSection(PasswordLifecycleOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PasswordLifecycleOptions>, PasswordLifecycleOptionsValidator>();
        services.AddScoped<ExpiredPassword>();
        services.AddHostedService<PasswordExpiryReminders>();

        services.AddEventHandler<SendPasswordResetEmail>();
        services.AddEventHandler<SendPasswordChangedEmail>();
        services.AddEventHandler<SendPasswordExpiryReminder>();
        return services;
    }
}
