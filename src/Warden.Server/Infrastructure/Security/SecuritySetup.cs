using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Security;

public static class SecuritySetup
{
    /// <summary>Password hashing, signing keys, access tokens and protected secrets (issue 3).</summary>
    public static IServiceCollection AddWardenSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<PasswordHashingOptions, PasswordHashingOptionsValidator>(configuration, PasswordHashingOptions.Section);
        services.AddValidatedOptions<AccessTokenOptions, AccessTokenOptionsValidator>(configuration, AccessTokenOptions.Section);
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
