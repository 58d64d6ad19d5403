using Microsoft.Extensions.Options;

namespace Warden.Server.TwoFactor;

public static class TwoFactorSetup
{
    /// <summary>TOTP, recovery codes and SMS/email one-time codes (issue 6). Endpoints follow with the login challenge.</summary>
    public static IServiceCollection AddWardenTwoFactor(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TwoFactorOptions>().Bind(configuration.GetSection(TwoFactorOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TwoFactorOptions>, TwoFactorOptionsValidator>();
        services.AddSingleton(CodeHashKey.CreateHasher);
        return services;
    }
}
