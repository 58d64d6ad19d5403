using Warden.Server.Authentication;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Profiles.Avatars;
using Warden.Server.Profiles.Email;
using Warden.Server.Profiles.Phone;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Profiles;

public static class ProfileSetup
{
    /// <summary>Profiles, settings and account self-service: the default profile of a new account, phone and email changes.</summary>
    public static IServiceCollection AddWardenProfiles(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ProfileOptions, ProfileOptionsValidator>(configuration, ProfileOptions.Section);

        services.AddMemoryCache();
        services.AddSingleton<ProfileCache>();
        services.AddScoped<ProfileReader>();
        services.AddScoped<ProfileUpdater>();
        services.AddSingleton<IAvatarStorage, DatabaseAvatarStorage>();
        services.AddDatabaseSeeder<AvatarFileImport>();

        services.AddEventHandler<CreateDefaultProfile>();
        services.AddEventHandler<ClearReclaimedProfile>();
        services.AddEventHandler<SendPhoneVerificationCode>();
        services.AddEventHandler<SendPhoneChangedNotice>();
        services.AddEventHandler<SendEmailChangeConfirmation>();
        services.AddEventHandler<SendEmailChangeNotice>();
        services.AddEventHandler<SendEmailChangedNotice>();
        services.AddPersonalData<ProfilePersonalData>();
        services.AddPersonalData<SettingsPersonalData>();
        services.AddPersonalData<PhonePersonalData>();
        // The phone receives second-factor codes: setting, changing, removing or verifying it ends emailed links.
        services.KillLinksOnChangeOf<UserProfile>(p => p.UserId, nameof(UserProfile.PhoneNumberProtected), nameof(UserProfile.PhoneVerified));
        services.RefreshAccountViewOnChangeOf<UserProfile>(p => p.UserId, AccountViewPart.Extras);
        return services;
    }
}
