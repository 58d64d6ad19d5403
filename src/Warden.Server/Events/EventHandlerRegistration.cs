namespace Warden.Server.Events;

/// <summary>A handler type the dispatcher resolves, in a scope of its own, for each batch of events it takes.</summary>
public sealed record EventHandlerRegistration(Type HandlerType);

public static class EventHandlerServiceCollectionExtensions
{
    /// <summary>
    /// Registers an in-process handler. It is scoped: each handler gets a scope and DbContext for the events of a batch
    /// it takes (a new one after a failed delivery), and database changes the handler leaves unsaved are saved by the
    /// dispatcher together with the record that the handler completed each event, so they happen exactly once.
    /// Anything else it does (mail, SMS) happens at least once.
    /// </summary>
    public static IServiceCollection AddEventHandler<THandler>(this IServiceCollection services)
        where THandler : class, IEventHandler
    {
        services.AddScoped<THandler>();
        services.AddSingleton(new EventHandlerRegistration(typeof(THandler)));
        return services;
    }
}
