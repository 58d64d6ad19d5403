using System.Text;
using System.Text.Json;
using Warden.Server.Infrastructure.Database;

namespace Warden.Server.Events;

public static class EventOutbox
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Event data travels to handlers, webhooks and RabbitMQ and is kept for the retention period; a field
    // named like a secret is one, and must reach its handler through a private table instead (docs/events.md,
    // Events). Names ending in "code" are listed one by one: countryCode or errorCode are not secrets.
    private static readonly string[] SecretSuffixes = ["token", "tokens", "password", "secret", "hash"];

    private static readonly HashSet<string> SecretNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "code", "codes", "otp", "totp", "otpcode", "smscode", "emailcode", "verificationcode", "onetimecode",
        "recoverycode", "recoverycodes", "apikey", "privatekey",
    };

    /// <summary>
    /// Adds an event to the unit of work: it is saved, and later delivered, only if the caller's
    /// SaveChanges (and transaction) commits.
    /// </summary>
    /// <exception cref="ArgumentException">The data has a field named like a secret (token, password, code, ...).</exception>
    public static OutboxMessage AddEvent(this WardenDbContext db, string type, Guid? subject, object data, DateTimeOffset occurredAt)
    {
        var json = JsonSerializer.Serialize(data, Json);
        EnsureNoSecretFields(type, json);
        var message = new OutboxMessage
        {
            Type = type,
            Subject = subject,
            Data = json,
            OccurredAt = occurredAt,
        };
        db.OutboxMessages.Add(message);
        return message;
    }

    internal static void EnsureNoSecretFields(string type, string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            var name = reader.GetString()!.Replace("_", "", StringComparison.Ordinal);
            if (SecretNames.Contains(name) || SecretSuffixes.Any(suffix => name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)))
            {
                throw new ArgumentException(
                    $"Event {type} has a field '{reader.GetString()}' named like a secret; event data never holds a secret.", nameof(json));
            }
        }
    }
}
