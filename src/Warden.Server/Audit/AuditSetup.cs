using Microsoft.Extensions.Options;
using Warden.Server.Events;

namespace Warden.Server.Audit;

public static class AuditSetup
{
    public static IServiceCollection AddWardenAudit(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuditOptions>().Bind(configuration.GetSection(AuditOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>();
        services.AddEventHandler<RecordAuditEntry>();
        services.AddEventHandler<EraseAuditPersonalData>();
        services.AddSingleton<AuditRetention>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditRetention>());
        return services;
    }
}
