using Microsoft.Extensions.Options;

namespace Warden.Server.Passwords;

public static class PasswordsSetup
{
    /// <summary>
    /// The password policy, history and expiry settings. Identity is pointed at them in
    /// <c>IdentityConfiguration</c> (validator and user manager).
    /// </summary>
    public static IServiceCollection AddWardenPasswords(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PasswordPolicyOptions>().Bind(configuration.GetSection(PasswordPolicyOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PasswordPolicyOptions>, PasswordPolicyOptionsValidator>();
        services.AddSingleton(_ => CommonPasswords.Shared);
        services.AddSingleton<PasswordPolicy>();
        services.AddSingleton<PasswordExpiry>();
        services.AddScoped<PasswordHistory>();
        return services;
    }
}
