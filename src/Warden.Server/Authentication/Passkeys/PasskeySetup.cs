using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Passkeys;

public static class PasskeySetup
{
    /// <summary>Identity's passkey handler (AddIdentityCore does not register one) and Warden's ceremony store.</summary>
    public static IServiceCollection AddWardenPasskeys(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<PasskeyOptions, PasskeyOptionsValidator>(configuration, PasskeyOptions.Section);
        services.AddSingleton<PasskeyRelyingParty>();
        services.AddSingleton<IConfigureOptions<IdentityPasskeyOptions>, IdentityPasskeySetup>();
        services.AddScoped<IPasskeyHandler<User>, PasskeyHandler<User>>();
        services.AddScoped<PasskeyCeremonies>();
        return services;
    }
}
