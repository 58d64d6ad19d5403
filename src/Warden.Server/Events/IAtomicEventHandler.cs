namespace Warden.Server.Events;

/// <summary>
/// A handler whose database work includes statements that run at once (an atomic upsert, ExecuteUpdate) rather
/// than changes left in the DbContext. The dispatcher opens a transaction before calling it and commits it with
/// the completion record, so that work happens exactly once too. Keep such handlers short and free of network
/// calls: on SQLite the transaction holds the database's one write lock.
/// </summary>
public interface IAtomicEventHandler : IEventHandler;
