using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;

namespace Warden.Server.Infrastructure.Security;

public static class SecuritySetup
{
    /// <summary>Password hashing, signing keys, access tokens and protected secrets (issue 3).</summary>
    public static IServiceCollection AddWardenSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PasswordHashingOptions>().Bind(configuration.GetSection(PasswordHashingOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PasswordHashingOptions>, PasswordHashingOptionsValidator>();
        services.AddOptions<AccessTokenOptions>().Bind(configuration.GetSection(AccessTokenOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AccessTokenOptions>, AccessTokenOptionsValidator>();
        services.AddOptions<DataProtectionSettings>().Bind(configuration.GetSection(DataProtectionSettings.Section));

        // Identity sees it as IPasswordHasher<User> (Users/IdentityConfiguration.cs).
        services.AddSingleton<WardenPasswordHasher>();

        // Before AddDataProtection, so that SecurityStartup checks the key-encryption key before Data Protection's own
        // hosted service loads the key ring: given a wrong key, that one would find no usable key and write a new
        // one, wrapped in the wrong key, into the shared ring.
        services.AddHostedService<SecurityStartup>();

        services.AddSingleton<KeyEncryptionKey>();
        services.AddDataProtection().SetApplicationName(DataProtectionSettings.ApplicationName);
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(options =>
        {
            options.XmlRepository = new DatabaseXmlRepository(sp.GetRequiredService<IServiceScopeFactory>(), sp.GetRequiredService<TimeProvider>());
            options.XmlEncryptor = new KeyEncryptionXmlEncryptor(sp.GetRequiredService<KeyEncryptionKey>());
        }));
        services.AddSingleton<SecretProtector>();

        services.AddSingleton<SigningKeyStore>();
        services.AddSingleton<AccessTokenService>();
        return services;
    }
}
