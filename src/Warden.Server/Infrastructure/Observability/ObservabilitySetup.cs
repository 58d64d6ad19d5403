using Microsoft.Extensions.Options;

namespace Warden.Server.Infrastructure.Observability;

public static class ObservabilitySetup
{
    public static IServiceCollection AddWardenObservability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MetricsOptions>().Bind(configuration.GetSection(MetricsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        services.AddMetrics();
        services.AddSingleton<WardenMetrics>();
        services.AddSingleton<MetricsCollector>();
        if (configuration.GetValue($"{MetricsOptions.Section}:Enabled", true))
        {
            // Started before the server takes requests, so no measurement is missed.
            services.AddHostedService(sp => sp.GetRequiredService<MetricsCollector>());
        }

        return services;
    }
}
