using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Warden.Tests.Fuzzing;

/// <summary>One operation of the OpenAPI document, as much of it as the fuzzer needs.</summary>
public sealed record FuzzOperation(
    string Method, string Path, IReadOnlyList<(string Name, string? Format)> PathParameters,
    IReadOnlyList<(string Name, string? Type)> QueryParameters, string? BodyType, JsonElement? BodySchema)
{
    public override string ToString() => $"{Method} {Path}";

    public static IReadOnlyList<FuzzOperation> Read(JsonElement document)
    {
        var operations = new List<FuzzOperation>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "put" or "post" or "patch" or "delete"))
            {
                var parameters = operation.Value.TryGetProperty("parameters", out var list) ? list.EnumerateArray().ToList() : [];
                string? Format(JsonElement p) => p.TryGetProperty("schema", out var s) && s.TryGetProperty("format", out var f) ? f.GetString() : null;
                string? Type(JsonElement p) => p.TryGetProperty("schema", out var s) && s.TryGetProperty("type", out var t) ? t.ToString() : null;
                string? bodyType = null;
                JsonElement? bodySchema = null;
                if (operation.Value.TryGetProperty("requestBody", out var body))
                {
                    var content = body.GetProperty("content").EnumerateObject().First();
                    bodyType = content.Name;
                    bodySchema = content.Value.TryGetProperty("schema", out var schema) ? Resolve(document, schema) : null;
                }

                operations.Add(new FuzzOperation(
                    operation.Name.ToUpperInvariant(), path.Name,
                    [.. parameters.Where(p => p.GetProperty("in").GetString() == "path").Select(p => (p.GetProperty("name").GetString()!, Format(p)))],
                    [.. parameters.Where(p => p.GetProperty("in").GetString() == "query").Select(p => (p.GetProperty("name").GetString()!, Type(p)))],
                    bodyType, bodySchema));
            }
        }

        return operations;
    }

    /// <summary>Follows <c>$ref</c> and picks the object out of a <c>oneOf</c> with <c>null</c>.</summary>
    public static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Split('/')[^1];
            return Resolve(document, document.GetProperty("components").GetProperty("schemas").GetProperty(name));
        }

        if (schema.TryGetProperty("oneOf", out var oneOf))
        {
            return Resolve(document, oneOf.EnumerateArray().FirstOrDefault(s => !(s.TryGetProperty("type", out var t) && t.ToString() == "null"), oneOf[0]));
        }

        return schema;
    }
}

/// <summary>A request the fuzzer sends: the path with its parameters filled in, and the body as raw bytes.</summary>
public sealed record FuzzRequest(string What, string Url, string? ContentType, byte[]? Body);

/// <summary>
/// Boundary and hostile values derived from an operation's schema: wrong types, huge and empty strings, control
/// characters, unicode edge cases, injection probes, deep nesting, unknown fields, and bodies that are not JSON.
/// </summary>
public sealed class FuzzCases(JsonElement document, Random random)
{
    private static readonly string[] HostileStrings =
    [
        "", " ", new string('a', 70_000), "\u0000", "\u0000\u0007\u001b[2J\r\n\t", "\u202e\u200b\ufeff", "ſue@example.com", "K\u212a",
        "İı", "𝕳𝖊𝖑𝖑𝖔", "a\u0301\u0301\u0301", "<script>alert(1)</script>", "' OR '1'='1' --", "../../../../etc/passwd",
        "%00%0d%0aSet-Cookie:x=1", "${jndi:ldap://127.0.0.1/a}", "{{7*7}}", "-1", "1e309", "NaN", "null", "00000000-0000-0000-0000-000000000000",
        "\\u0000", "😀", "a@b", "@", "x@" + new string('y', 300) + ".com",
    ];

    /// <summary>Raw JSON that no serializer would write: wrong types and values at the edges of the number range.</summary>
    private static readonly string[] HostileJsonValues =
    [
        "0", "-1", "2147483648", "-9223372036854775809", "1e309", "-0", "0.0000001", "true", "false", "null", "[]", "{}",
        "[1,\"a\",null,{}]", "{\"a\":{\"b\":{\"c\":[]}}}", "\"\\ud800\"", "\"\\udfff\\ud800\"", "\"\\u0000\"",
    ];

    public IEnumerable<FuzzRequest> For(FuzzOperation operation)
    {
        foreach (var url in Urls(operation))
        {
            yield return Request("plausible", url, operation, operation.BodySchema is { } schema ? Plausible(schema).ToJsonString() : null);
        }

        var plainUrl = Fill(operation, _ => Guid.NewGuid().ToString());
        if (operation.BodyType is null)
        {
            yield break;
        }

        if (operation.BodyType.StartsWith("image/", StringComparison.Ordinal))
        {
            yield return new FuzzRequest("garbage image", plainUrl, operation.BodyType, RandomBytes(2048));
            yield return new FuzzRequest("empty image", plainUrl, operation.BodyType, []);
            yield return new FuzzRequest("truncated png", plainUrl, "image/png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]);
            yield break;
        }

        foreach (var raw in new[] { "", "{", "}", "null", "[]", "\"text\"", "1", "{\"a\":1,}", "\ufeff{}", new string('[', 5000) + new string(']', 5000),
                     string.Concat(Enumerable.Repeat("{\"a\":", 2000)) + "1" + new string('}', 2000) })
        {
            yield return Request($"raw body {Shorten(raw)}", plainUrl, operation, raw);
        }

        if (operation.BodySchema is not { } bodySchema || Properties(bodySchema) is not { Count: > 0 } properties)
        {
            yield break;
        }

        yield return new FuzzRequest("json as text/plain", plainUrl, "text/plain", Encoding.UTF8.GetBytes(Plausible(bodySchema).ToJsonString()));

        var withUnknown = Plausible(bodySchema);
        withUnknown["isAdmin"] = true;
        withUnknown["roles"] = new JsonArray("admin");
        withUnknown["__proto__"] = new JsonObject { ["polluted"] = true };
        yield return Request("unknown fields", plainUrl, operation, withUnknown.ToJsonString());

        var first = properties[0].Name;
        yield return Request("duplicate field", plainUrl, operation, $"{{\"{first}\":\"a\",\"{first}\":\"b\"}}");

        foreach (var (name, _) in properties)
        {
            foreach (var text in Pick(HostileStrings, 6))
            {
                var body = Plausible(bodySchema);
                body[name] = text;
                yield return Request($"{name}={Shorten(text)}", plainUrl, operation, body.ToJsonString());
            }

            foreach (var json in Pick(HostileJsonValues, 5))
            {
                // Written by hand: the values are ones a JSON writer refuses to produce (lone surrogates, 1e309).
                var members = Plausible(bodySchema).Select(p => $"{JsonSerializer.Serialize(p.Key)}:{(p.Key == name ? json : p.Value?.ToJsonString() ?? "null")}");
                yield return Request($"{name}:{Shorten(json)}", plainUrl, operation, "{" + string.Join(',', members) + "}");
            }
        }
    }

    private IEnumerable<string> Urls(FuzzOperation operation)
    {
        yield return Fill(operation, _ => Guid.NewGuid().ToString());
        if (operation.PathParameters.Count > 0)
        {
            // Not NUL: the test host throws on it where Kestrel answers 400 before Warden sees the request.
            foreach (var text in Pick(HostileStrings, 4).Where(t => t.Length < 5000 && !t.Contains('\0', StringComparison.Ordinal)))
            {
                yield return Fill(operation, _ => Uri.EscapeDataString(text));
            }
        }

        foreach (var (name, type) in operation.QueryParameters)
        {
            foreach (var text in Pick(HostileStrings, 3).Where(t => t.Length < 5000).Concat(type?.Contains("integer", StringComparison.Ordinal) == true
                         ? ["-1", "0", "2147483648", "1.5", "abc"] : []))
            {
                yield return Fill(operation, _ => Guid.NewGuid().ToString()) + $"?{name}={Uri.EscapeDataString(text)}";
            }
        }
    }

    private static string Fill(FuzzOperation operation, Func<string, string> value)
    {
        var path = operation.Path;
        foreach (var (name, _) in operation.PathParameters)
        {
            path = path.Replace("{" + name + "}", value(name), StringComparison.Ordinal);
        }

        return path;
    }

    private static FuzzRequest Request(string what, string url, FuzzOperation operation, string? json) =>
        new(what, url, json is null ? null : operation.BodyType ?? "application/json", json is null ? null : Encoding.UTF8.GetBytes(json));

    private List<(string Name, JsonElement Schema)> Properties(JsonElement schema)
    {
        var resolved = FuzzOperation.Resolve(document, schema);
        return resolved.TryGetProperty("properties", out var properties)
            ? [.. properties.EnumerateObject().Select(p => (p.Name, p.Value))]
            : [];
    }

    /// <summary>An object that satisfies the schema's shape with ordinary values.</summary>
    private JsonObject Plausible(JsonElement schema)
    {
        var body = new JsonObject();
        foreach (var (name, property) in Properties(schema))
        {
            body[name] = PlausibleValue(FuzzOperation.Resolve(document, property), depth: 0);
        }

        return body;
    }

    private JsonNode? PlausibleValue(JsonElement schema, int depth)
    {
        var type = schema.TryGetProperty("type", out var t) ? t.ToString() : "object";
        var format = schema.TryGetProperty("format", out var f) ? f.GetString() : null;
        if (type.Contains("boolean", StringComparison.Ordinal))
        {
            return true;
        }

        if (type.Contains("integer", StringComparison.Ordinal) || type.Contains("number", StringComparison.Ordinal))
        {
            return 1;
        }

        if (type.Contains("array", StringComparison.Ordinal))
        {
            return new JsonArray();
        }

        if (type.Contains("string", StringComparison.Ordinal))
        {
            return format switch
            {
                "uuid" => Guid.NewGuid().ToString(),
                "date-time" => "2026-01-01T00:00:00Z",
                _ => "fuzz-" + random.Next(1000, 9999),
            };
        }

        return depth < 2 && Properties(schema).Count > 0 ? PlausibleNested(schema, depth + 1) : new JsonObject();
    }

    private JsonObject PlausibleNested(JsonElement schema, int depth)
    {
        var body = new JsonObject();
        foreach (var (name, property) in Properties(schema))
        {
            body[name] = PlausibleValue(FuzzOperation.Resolve(document, property), depth);
        }

        return body;
    }

    private IEnumerable<T> Pick<T>(T[] values, int count) =>
        Enumerable.Range(0, count).Select(_ => values[random.Next(values.Length)]).Distinct();

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string Shorten(string text) =>
        JsonSerializer.Serialize(text.Length > 24 ? text[..24] + $"…({text.Length})" : text);
}
