using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Events;

public static class EventsSetup
{
    /// <summary>The outbox dispatcher. Modules add their handlers with <see cref="EventHandlerServiceCollectionExtensions.AddEventHandler{THandler}"/>.</summary>
    public static IServiceCollection AddWardenEvents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OutboxOptions>().Bind(configuration.GetSection(OutboxOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OutboxOptions>, OutboxOptionsValidator>();

        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<OutboxCommitInterceptor>();
        services.AddHttpContextAccessor();
        services.AddSingleton<RequestOriginEnricher>();
        services.ConfigureDbContext<SqliteWardenDbContext>((sp, options) => options.AddInterceptors(sp.GetRequiredService<RequestOriginEnricher>()));
        services.ConfigureDbContext<PostgresWardenDbContext>((sp, options) => options.AddInterceptors(sp.GetRequiredService<RequestOriginEnricher>()));
        // Both provider contexts: only the configured one is ever built.
        services.ConfigureDbContext<SqliteWardenDbContext>((sp, options) => options.AddInterceptors(sp.GetRequiredService<OutboxCommitInterceptor>()));
        services.ConfigureDbContext<PostgresWardenDbContext>((sp, options) => options.AddInterceptors(sp.GetRequiredService<OutboxCommitInterceptor>()));

        services.AddSingleton<OutboxProcessor>();
        services.AddScoped<PoisonedEvents>();
        services.AddPersonalData<EventsPersonalData>();
        services.AddHostedService<OutboxDispatcher>();
        return services;
    }
}
