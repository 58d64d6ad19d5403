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

    /// <summary>
    /// Whether it takes events of this type. Asked once per event type for the life of the process, so the answer
    /// must not change: it may read <c>IOptions&lt;T&gt;</c> (fixed at start), not the event or the database.
    /// </summary>
    bool CanHandle(string eventType);

    Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken);
}
