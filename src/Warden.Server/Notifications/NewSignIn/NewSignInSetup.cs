using Warden.Server.Events;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Notifications.NewSignIn;

public static class NewSignInSetup
{
    public static IServiceCollection AddWardenNewSignInNotice(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<NewSignInOptions, NewSignInOptionsValidator>(configuration, NewSignInOptions.Section);
        services.AddEventHandler<SendNewSignInNotice>();
        return services;
    }
}
