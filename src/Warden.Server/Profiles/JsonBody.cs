using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Warden.Server.Infrastructure.Http;

namespace Warden.Server.Profiles;

/// <summary>
/// Reads a JSON object body by hand. The profile and settings endpoints must tell an absent field from a
/// null one (merge patch) and list every unknown or mistyped field, which model binding cannot do.
/// </summary>
public static class JsonBody
{
    public const string MergePatch = "application/merge-patch+json";
    public const string Json = "application/json";

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 32 };

    /// <summary>The body as a JSON object, or the problem to answer (415, or 400 for anything that is not one JSON object).</summary>
    public static async Task<(JsonDocument? Document, ProblemHttpResult? Problem)> ReadObjectAsync(
        HttpContext http, IReadOnlyCollection<string> mediaTypes, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var contentType)
            || !mediaTypes.Any(m => contentType.MediaType.Equals(m, StringComparison.OrdinalIgnoreCase)))
        {
            return (null, ApiProblems.Problem(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType,
                "Unsupported content type.", $"Send the body as {string.Join(" or ", mediaTypes)}."));
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(http.Request.Body, Options, cancellationToken);
        }
        catch (JsonException)
        {
            return (null, ApiProblems.Problem(StatusCodes.Status400BadRequest, ProblemCodes.MalformedRequest,
                "The request could not be read.", "The request body is not valid JSON."));
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            return (null, ApiProblems.Problem(StatusCodes.Status400BadRequest, ProblemCodes.MalformedRequest,
                "The request could not be read.", "The request body must be a JSON object."));
        }

        return (document, null);
    }
}

/// <summary>Typed access to the fields of a JSON object that records every failure by field name.</summary>
public sealed class JsonFields(JsonElement source)
{
    public Dictionary<string, List<string>> Errors { get; } = new(StringComparer.Ordinal);

    public bool HasErrors => Errors.Count > 0;

    public JsonElement Source => source;

    public void Fail(string field, string message)
    {
        if (!Errors.TryGetValue(field, out var list))
        {
            Errors[field] = list = [];
        }

        list.Add(message);
    }

    /// <summary>Fails every field not in <paramref name="known"/>, and every field given twice (ambiguous).</summary>
    public void RejectUnknown(IReadOnlySet<string> known, string prefix = "")
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in source.EnumerateObject())
        {
            if (!known.Contains(property.Name))
            {
                Fail(prefix + property.Name, "Unknown field.");
            }
            else if (!seen.Add(property.Name))
            {
                Fail(prefix + property.Name, "The field is given more than once.");
            }
        }
    }

    public bool Has(string name) => source.TryGetProperty(name, out _);

    public bool TryGet(string name, out JsonElement value) => source.TryGetProperty(name, out value);

    /// <summary>The string (null for JSON null or absence); a wrong type or broken UTF-16 is recorded as an error.</summary>
    public string? Text(string name, string? field = null)
    {
        if (!source.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Fail(field ?? name, "Must be a string.");
            return null;
        }

        var text = TryGetString(value);
        if (text is null)
        {
            Fail(field ?? name, "Must be valid Unicode text.");
        }

        return text;
    }

    public bool? Boolean(string name, string? field = null)
    {
        if (!source.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            Fail(field ?? name, "Must be true or false.");
            return null;
        }

        return value.GetBoolean();
    }

    /// <summary>The string of a JSON string value, or null when it is not well-formed UTF-16 (a lone surrogate).</summary>
    public static string? TryGetString(JsonElement value)
    {
        string text;
        try
        {
            text = value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return null;
        }

        return TextRules.IsWellFormed(text) ? text : null;
    }

    public IDictionary<string, string[]> ToDictionary() => Errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}

/// <summary>Rules every stored text obeys, whatever the field.</summary>
public static class TextRules
{
    /// <summary>No unpaired surrogate: such text cannot be encoded (PostgreSQL refuses it, and so do most clients).</summary>
    public static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Control characters (NUL, escape sequences, ...) are refused: PostgreSQL cannot store NUL, and the others
    /// only serve to mislead terminals and logs. Line breaks and tabs are allowed where multi-line text is.
    /// Format characters such as right-to-left overrides are stored as given: they are legitimate in names.
    /// </summary>
    public static bool HasForbiddenControl(string text, bool multiLine) =>
        text.Any(c => char.IsControl(c) && !(multiLine && c is '\n' or '\r' or '\t'));

    /// <summary>Length in Unicode scalar values (what a person counts as characters, and what PostgreSQL's varchar counts).</summary>
    public static int Length(string text) => text.EnumerateRunes().Count();
}
