using Warden.Server.Events;
using Warden.Server.Infrastructure.Observability;

namespace Warden.Server.Analytics;

public static class AnalyticsSetup
{
    public static IServiceCollection AddWardenAnalytics(this IServiceCollection services)
    {
        services.AddEventHandler<CountDailyStats>();
        services.AddSingleton<DatabaseGauges>();
        services.AddSingleton<IGaugeSource>(sp => sp.GetRequiredService<DatabaseGauges>());
        return services;
    }
}
