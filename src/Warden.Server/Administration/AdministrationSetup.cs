using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Administration;

public static class AdministrationSetup
{
    public static IServiceCollection AddWardenAdministration(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<AdministrationOptions, AdministrationOptionsValidator>(configuration, AdministrationOptions.Section);
        services.AddEventHandler<SendInvitation>();
        services.AddSingleton<Import.UserImport>();
        services.AddDatabaseSeeder<BootstrapAdministrator>();
        return services;
    }
}
