using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Webhooks;

/// <summary>Wakes the sender when this node added or re-queued deliveries, so they need not wait for the poll.</summary>
public sealed class WebhookSignal : WakeSignal;
