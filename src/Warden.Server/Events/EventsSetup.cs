using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Events;

public static class EventsSetup
{
    /// <summary>The outbox dispatcher. Modules add their handlers with <see cref="EventHandlerServiceCollectionExtensions.AddEventHandler{THandler}"/>.</summary>
    public static IServiceCollection AddWardenEvents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<OutboxOptions, OutboxOptionsValidator>(configuration, OutboxOptions.Section);

        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<OutboxCommitInterceptor>();
        services.AddHttpContextAccessor();
        services.AddSingleton<RequestOriginEnricher>();
        services.AddDbInterceptor<RequestOriginEnricher>();
        services.AddDbInterceptor<OutboxCommitInterceptor>();

        services.AddSingleton<OutboxProcessor>();
        services.AddScoped<PoisonedEvents>();
        services.AddPersonalData<EventsPersonalData>();
        services.AddHostedService<OutboxDispatcher>();
        return services;
    }
}
