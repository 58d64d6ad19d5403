namespace Warden.Server.Infrastructure.Security;

public static class SecuritySetup
{
    /// <summary>Password hashing, signing keys, access tokens and protected secrets (issue 3).</summary>
    public static IServiceCollection AddWardenSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<AccessTokenService>();
        return services;
    }
}
