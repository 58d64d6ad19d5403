using System.Text.Json;
using System.Text.Json.Nodes;

namespace Warden.Server.Audit;

/// <summary>
/// Removes personal data from an audit entry of an erased user: the address and device it came from, and every
/// field of the details that names or reaches the person. What happened, when, and to which pseudonymous id stays,
/// which is what the log is kept for. On a chained entry the public details were scrubbed at write time, so erasure
/// deletes the personal part and its salt and touches nothing the chain hash covers.
/// </summary>
public static class AuditScrubber
{
    private static readonly HashSet<string> PersonalNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "name", "username", "fullName", "firstName", "lastName", "middleName", "displayName", "nickname",
        "ipAddress", "userAgent", "address", "avatarUrl", "bio",
    };

    public static void Scrub(AuditEntry entry)
    {
        entry.IpAddress = null;
        entry.UserAgent = null;
        entry.PersonalDetails = null;
        entry.PersonalSalt = null;
        if (entry.Sequence is null)
        {
            entry.Details = ScrubDetails(entry.Details); // written before the chain: one column held both parts
        }
    }

    public static string ScrubDetails(string details)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(details);
        }
        catch (JsonException)
        {
            return "{}";
        }

        return node is null ? "{}" : (Scrub(node) ?? new JsonObject()).ToJsonString();
    }

    private static JsonNode? Scrub(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    if (IsPersonal(key))
                    {
                        obj.Remove(key);
                    }
                    else if (obj[key] is { } child)
                    {
                        var scrubbed = Scrub(child);
                        if (!ReferenceEquals(scrubbed, child))
                        {
                            obj[key] = scrubbed;
                        }
                    }
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is { } item)
                    {
                        var scrubbed = Scrub(item);
                        if (!ReferenceEquals(scrubbed, item))
                        {
                            array[i] = scrubbed;
                        }
                    }
                }

                return array;
            case JsonValue value when value.TryGetValue<string>(out var text) && text.Contains('@', StringComparison.Ordinal):
                return null; // an email address wherever it sits, whatever the field is called
            default:
                return node;
        }
    }

    private static bool IsPersonal(string key) =>
        PersonalNames.Contains(key)
        || key.Contains("email", StringComparison.OrdinalIgnoreCase)
        || key.Contains("phone", StringComparison.OrdinalIgnoreCase);
}
