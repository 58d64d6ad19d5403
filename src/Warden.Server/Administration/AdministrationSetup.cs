using Microsoft.Extensions.Options;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Administration;

public static class AdministrationSetup
{
    public static IServiceCollection AddWardenAdministration(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AdministrationOptions>().Bind(configuration.GetSection(AdministrationOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AdministrationOptions>, AdministrationOptionsValidator>();
        services.AddEventHandler<SendInvitation>();
        services.AddDatabaseSeeder<BootstrapAdministrator>();
        return services;
    }
}
