using Microsoft.Extensions.Options;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;

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

        // The sender applies Warden:Webhooks:Timeout per attempt. No proxy (it would connect for us, past the
        // address check), no redirects (a 3xx could point anywhere), and the address check at connect time.
        services.AddHttpClient(WebhookSender.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var options = sp.GetRequiredService<IOptions<WebhookOptions>>().Value;
                return new SocketsHttpHandler
                {
                    UseProxy = false,
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    ConnectTimeout = options.Timeout,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    ConnectCallback = (context, cancellationToken) =>
                        WebhookTargets.ConnectAsync(context, options.AllowPrivateTargets, cancellationToken),
                };
            });
        return services;
    }
}
