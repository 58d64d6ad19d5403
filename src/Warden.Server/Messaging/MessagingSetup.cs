using Microsoft.Extensions.Options;
using Warden.Server.Events;

namespace Warden.Server.Messaging;

public static class MessagingSetup
{
    public static IServiceCollection AddWardenMessaging(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RabbitMqOptions>().Bind(configuration.GetSection(RabbitMqOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RabbitMqOptions>, RabbitMqOptionsValidator>();
        if (!string.IsNullOrWhiteSpace(configuration[$"{RabbitMqOptions.Section}:ConnectionString"]))
        {
            services.AddSingleton<RabbitMqPublisher>();
            services.AddEventHandler<PublishToRabbitMq>();
        }

        return services;
    }
}
