using Microsoft.Extensions.Options;
using Warden.Server.Events;
using Warden.Server.Profiles.Avatars;
using Warden.Server.Profiles.Email;
using Warden.Server.Profiles.Phone;
using Warden.Server.Privacy;

namespace Warden.Server.Profiles;

public static class ProfileSetup
{
    /// <summary>Profiles, settings and account self-service (issue 8). The default-profile handler is registered by Authentication.</summary>
    public static IServiceCollection AddWardenProfiles(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProfileOptions>().Bind(configuration.GetSection(ProfileOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProfileOptions>, ProfileOptionsValidator>();

        services.AddMemoryCache();
        services.AddSingleton<ProfileCache>();
        services.AddScoped<ProfileReader>();
        services.AddScoped<ProfileUpdater>();
        services.AddScoped<Reauthentication>();
        services.AddSingleton<IAvatarStorage, LocalAvatarStorage>();
        services.AddScoped<IPersonalDataSection, EventsPersonalDataSection>();

        services.AddEventHandler<SendPhoneVerificationCode>();
        services.AddEventHandler<SendEmailChangeConfirmation>();
        services.AddEventHandler<SendEmailChangeNotice>();
        return services;
    }
}
