using Microsoft.Extensions.Options;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Infrastructure.Http;

namespace Warden.Server.Webhooks;

public static class WebhooksSetup
{
    public static IServiceCollection AddWardenWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<WebhookOptions, WebhookOptionsValidator>(configuration, WebhookOptions.Section);
        services.AddSingleton<WebhookSignal>();
        services.AddSingleton<WebhookSender>();
        services.AddEventHandler<FanOutWebhooks>();
        services.AddPersonalData<WebhookPersonalData>();
        services.AddHostedService<WebhookDispatcher>();

        // The sender applies Warden:Webhooks:Timeout per attempt; the client refuses internal targets at connect time.
        services.AddOutboundHttpClient(WebhookSender.HttpClientName, sp => sp.GetRequiredService<IOptions<WebhookOptions>>().Value.Timeout);
        return services;
    }
}
