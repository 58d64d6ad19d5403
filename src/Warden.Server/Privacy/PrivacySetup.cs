namespace Warden.Server.Privacy;

public static class PrivacySetup
{
    /// <summary>Export and erasure over every module's <see cref="Infrastructure.Database.IPersonalData"/>.</summary>
    public static IServiceCollection AddWardenPrivacy(this IServiceCollection services) =>
        services.AddScoped<AccountErasure>();
}
