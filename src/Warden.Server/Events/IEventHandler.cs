namespace Warden.Server.Events;

/// <summary>
/// Reacts to events after they commit. Delivery is at least once; the dispatcher (issue 4) records each
/// (handler, event id) it completed so a handler runs to completion once per event, and handlers must still
/// tolerate a repeat after a crash mid-way.
/// </summary>
public interface IEventHandler
{
    /// <summary>Stable name, used to record completion per handler.</summary>
    string Name { get; }

    bool CanHandle(string eventType);

    Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken);
}
