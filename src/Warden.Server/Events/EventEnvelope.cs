using System.Text.Json;
using System.Text.Json.Serialization;

namespace Warden.Server.Events;

/// <summary>
/// An event as the outside sees it (webhooks, RabbitMQ): <c>id</c>, <c>type</c>, <c>occurredAt</c>, <c>subject</c>
/// and <c>data</c>. The one wire format, so a consumer can take events from either transport.
/// </summary>
public sealed record EventEnvelope(
    Guid Id,
    string Type,
    DateTimeOffset OccurredAt,
    Guid? Subject,
    JsonElement Data)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static EventEnvelope From(OutboxMessage message)
    {
        using var data = JsonDocument.Parse(message.Data);
        return new EventEnvelope(message.Id, message.Type, message.OccurredAt, message.Subject, data.RootElement.Clone());
    }

    /// <summary>The UTF-8 JSON body, exactly as signed and sent.</summary>
    public static byte[] Serialize(OutboxMessage message) => JsonSerializer.SerializeToUtf8Bytes(From(message), Json);
}
