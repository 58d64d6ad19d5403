namespace Warden.Server.Privacy;

public static class PrivacySetup
{
    /// <summary>
    /// Export and erasure over every module's <see cref="Infrastructure.Database.IPersonalData"/>, and the erasure of
    /// accounts whose address was never verified.
    /// </summary>
    public static IServiceCollection AddWardenPrivacy(this IServiceCollection services)
    {
        services.AddScoped<AccountErasure>();
        services.AddHostedService<UnverifiedAccountExpiry>();
        return services;
    }
}
