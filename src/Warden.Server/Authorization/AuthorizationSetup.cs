using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Warden.Server.Authorization.Policies;

namespace Warden.Server.Authorization;

public static class AuthorizationSetup
{
    public static IServiceCollection AddWardenAuthorization(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WardenAuthorizationOptions>().Bind(configuration.GetSection(WardenAuthorizationOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WardenAuthorizationOptions>, WardenAuthorizationOptionsValidator>();

        services.AddAuthorization();
        services.AddMemoryCache();
        services.RemoveAll<IAuthorizationPolicyProvider>();
        services.AddSingleton<IAuthorizationPolicyProvider, PermissionPolicyProvider>();
        services.AddScoped<IAuthorizationHandler, PermissionAuthorizationHandler>();
        services.AddSingleton<PermissionService>();
        services.AddSingleton<PolicyRuleSet>();
        services.AddSingleton<AccessPolicy>();
        return services;
    }
}
