using Warden.Server.Events;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Messaging;

public static class MessagingSetup
{
    public static IServiceCollection AddWardenMessaging(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<RabbitMqOptions, RabbitMqOptionsValidator>(configuration, RabbitMqOptions.Section);
        if (!string.IsNullOrWhiteSpace(configuration[$"{RabbitMqOptions.Section}:ConnectionString"]))
        {
            services.AddSingleton<RabbitMqPublisher>();
            services.AddEventHandler<PublishToRabbitMq>();
        }

        return services;
    }
}
