using Warden.Server.Events;

namespace Warden.Server.Analytics;

public static class AnalyticsSetup
{
    public static IServiceCollection AddWardenAnalytics(this IServiceCollection services)
    {
        services.AddEventHandler<CountDailyStats>();
        return services;
    }
}
