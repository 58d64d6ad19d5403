using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Observability;

public static class ObservabilitySetup
{
    public static IServiceCollection AddWardenObservability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<MetricsOptions, MetricsOptionsValidator>(configuration, MetricsOptions.Section);
        services.AddMetrics();
        services.AddSingleton<WardenMetrics>();
        services.AddSingleton<MetricsCollector>();
        if (configuration.GetValue($"{MetricsOptions.Section}:Enabled", true))
        {
            // Started before the server takes requests, so no measurement is missed.
            services.AddHostedService(sp => sp.GetRequiredService<MetricsCollector>());
        }

        services.AddWardenTracing(configuration);
        return services;
    }
}
