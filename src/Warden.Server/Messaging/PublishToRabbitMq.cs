using Warden.Server.Events;

namespace Warden.Server.Messaging;

/// <summary>
/// Every event → the exchange, routing key = event type, body = the envelope webhooks get. When the broker is
/// down this throws and the outbox retries the event later (with backoff, for about a day by default): an outage
/// delays events and loses none. A consumer may see an event twice (at-least-once); the envelope id tells.
/// </summary>
public sealed class PublishToRabbitMq(RabbitMqPublisher publisher) : IEventHandler
{
    public string Name => "rabbitmq.publish";

    public bool CanHandle(string eventType) => true;

    public Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken) =>
        publisher.PublishAsync(message.Type, message.Id.ToString(), message.OccurredAt, EventEnvelope.Serialize(message), cancellationToken);
}
