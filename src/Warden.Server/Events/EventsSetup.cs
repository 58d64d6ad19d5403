namespace Warden.Server.Events;

public static class EventsSetup
{
    /// <summary>The outbox dispatcher and its handlers (issue 4).</summary>
    public static IServiceCollection AddWardenEvents(this IServiceCollection services, IConfiguration configuration)
    {
        return services;
    }
}
