using System.Text.Json;

namespace Warden.Server.Profiles;

/// <summary>JSON merge patch (RFC 7396) for JSON held as text: objects merge key by key, null removes, anything else replaces.</summary>
public static class JsonMergePatch
{
    /// <summary>The result of applying <paramref name="patch"/> to <paramref name="target"/>, as compact JSON.</summary>
    public static string Apply(JsonElement target, JsonElement patch)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, target, patch);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public static string Compact(JsonElement value)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            value.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, JsonElement? target, JsonElement patch)
    {
        if (patch.ValueKind != JsonValueKind.Object)
        {
            patch.WriteTo(writer);
            return;
        }

        // A patch object turns a non-object target into an object (RFC 7396, section 2).
        writer.WriteStartObject();
        var patched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in patch.EnumerateObject())
        {
            patched.Add(property.Name);
        }

        if (target is { ValueKind: JsonValueKind.Object } existing)
        {
            foreach (var property in existing.EnumerateObject())
            {
                if (!patched.Contains(property.Name))
                {
                    property.WriteTo(writer);
                }
            }
        }

        // With duplicate keys in the patch the last one wins, as JSON parsers commonly do.
        var last = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in patch.EnumerateObject())
        {
            last[property.Name] = property.Value;
        }

        foreach (var (name, value) in last)
        {
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            JsonElement? child = target is { ValueKind: JsonValueKind.Object } t && t.TryGetProperty(name, out var c) ? c : null;
            writer.WritePropertyName(name);
            Write(writer, child, value);
        }

        writer.WriteEndObject();
    }
}
