using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Events;

/// <summary>
/// Erasure of the personal data in events: every outbox message about the user, or naming the user (as the
/// actor of a change to someone else), keeps its type, time, ids and the names of changed fields, and loses
/// every other text (email, names, IP address, user agent, ...). An allow-list, so data added to events
/// later is redacted without anyone remembering to list it.
/// </summary>
public static class OutboxRedaction
{
    /// <summary>Fields whose text values are not personal (reasons, field names, methods).</summary>
    private static readonly HashSet<string> SafeTextFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "reason", "fields", "amr", "methods", "method", "purpose", "status", "role", "type", "client", "added", "removed", "replaced",
    };

    public static async Task RedactAsync(WardenDbContext db, Guid userId, CancellationToken cancellationToken)
    {
        var id = userId.ToString("D");
        var messages = await db.OutboxMessages
            .Where(m => m.Subject == userId || m.Data.Contains(id))
            .ToListAsync(cancellationToken);
        foreach (var message in messages)
        {
            message.Data = Redact(message.Data);
        }
    }

    public static string Redact(string json)
    {
        using var document = JsonDocument.Parse(json);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, document.RootElement, safe: false);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element, bool safe)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value, SafeTextFields.Contains(property.Name));
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item, safe);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                var text = element.GetString()!;
                if (safe || Guid.TryParse(text, out _) || (text.Length is >= 20 and <= 40 && element.TryGetDateTimeOffset(out _)))
                {
                    element.WriteTo(writer);
                }
                else
                {
                    writer.WriteNullValue();
                }

                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
