using Warden.Server.Authentication.Tokens;
using Warden.Server.Events;

using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Authentication.TwoFactor;

public static class TwoFactorSetup
{
    /// <summary>TOTP, recovery codes and SMS/email one-time codes and the sign-in challenge.</summary>
    public static IServiceCollection AddWardenTwoFactor(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<TwoFactorOptions, TwoFactorOptionsValidator>(configuration, TwoFactorOptions.Section);
        services.AddSingleton(CodeHashKey.CreateHasher);
        services.AddScoped<SecondFactorVerifier>();
        services.AddScoped<TwoFactorAccount>();
        services.AddEventHandler<SendSecondFactorCode>();
        services.AddEventHandler<SendSecondFactorChangedNotice>();
        services.AddPersonalData<TwoFactorPersonalData>();
        services.KillLinksOnChangeOf<UserTwoFactor>(t => t.UserId,
            nameof(UserTwoFactor.TotpSecretProtected), nameof(UserTwoFactor.SmsEnabled), nameof(UserTwoFactor.EmailEnabled));
        services.KillLinksOnChangeOf<RecoveryCode>(c => c.UserId);
        services.RefreshAccountViewOnChangeOf<UserTwoFactor>(t => t.UserId, AccountViewPart.Extras);
        return services;
    }
}
