using Warden.Server.Analytics;
using Warden.Server.Audit;
using Warden.Server.Infrastructure.Observability;
using Warden.Server.Messaging;
using Warden.Server.Notifications.NewSignIn;
using Warden.Server.Webhooks;

namespace Warden.Server.Outside;

/// <summary>
/// What Warden shows the outside of its events: audit log, analytics, metrics, webhooks, RabbitMQ and the
/// new-sign-in notice. One registration line in the composition root for all of them.
/// </summary>
public static class OutsideSetup
{
    public static IServiceCollection AddWardenOutside(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddWardenObservability(configuration);
        services.AddWardenAudit(configuration);
        services.AddWardenAnalytics();
        services.AddWardenWebhooks(configuration);
        services.AddWardenMessaging(configuration);
        services.AddWardenNewSignInNotice(configuration);
        return services;
    }

    public static IEndpointRouteBuilder MapOutsideEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMetricsEndpoint();
        app.MapAuditEndpoints();
        app.MapStatsEndpoints();
        app.MapWebhookEndpoints();
        return app;
    }
}
