using Microsoft.Extensions.Options;
using Warden.Server.Events;

using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Authentication.TwoFactor;

public static class TwoFactorSetup
{
    /// <summary>TOTP, recovery codes and SMS/email one-time codes and the sign-in challenge.</summary>
    public static IServiceCollection AddWardenTwoFactor(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TwoFactorOptions>().Bind(configuration.GetSection(TwoFactorOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TwoFactorOptions>, TwoFactorOptionsValidator>();
        services.AddSingleton(CodeHashKey.CreateHasher);
        services.AddScoped<SecondFactorVerifier>();
        services.AddScoped<TwoFactorAccount>();
        services.AddEventHandler<SendSecondFactorCode>();
        services.AddPersonalData<TwoFactorPersonalData>();
        return services;
    }
}
