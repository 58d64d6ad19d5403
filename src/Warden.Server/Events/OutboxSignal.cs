using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Events;

/// <summary>Wakes the dispatcher when this node committed outbox rows, so delivery does not wait for the next poll.</summary>
public sealed class OutboxSignal : WakeSignal;
