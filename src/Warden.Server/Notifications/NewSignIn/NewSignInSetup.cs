using Microsoft.Extensions.Options;
using Warden.Server.Events;

namespace Warden.Server.Notifications.NewSignIn;

public static class NewSignInSetup
{
    public static IServiceCollection AddWardenNewSignInNotice(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<NewSignInOptions>().Bind(configuration.GetSection(NewSignInOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<NewSignInOptions>, NewSignInOptionsValidator>();
        services.AddEventHandler<SendNewSignInNotice>();
        return services;
    }
}
