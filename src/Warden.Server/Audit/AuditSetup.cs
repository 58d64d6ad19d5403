using Warden.Server.Events;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Audit;

public static class AuditSetup
{
    public static IServiceCollection AddWardenAudit(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<AuditOptions, AuditOptionsValidator>(configuration, AuditOptions.Section);
        services.AddEventHandler<RecordAuditEntry>();
        services.AddEventHandler<EraseAuditPersonalData>();
        services.AddSingleton<AuditRetention>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditRetention>());
        services.AddSingleton<AuditHeadPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditHeadPublisher>());
        return services;
    }
}
