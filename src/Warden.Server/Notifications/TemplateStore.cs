using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Warden.Server.Notifications;

/// <summary>
/// Finds template files by locale: the exact locale, then its language, then English. A file in the override
/// directory wins over the built-in one of the same locale. Built-in templates are embedded resources named
/// <c>templates/&lt;kind&gt;/&lt;locale&gt;/&lt;name&gt;&lt;extension&gt;</c>.
/// </summary>
internal sealed partial class TemplateStore(string kind, string? overrideDirectory)
{
    public const string FallbackLocale = "en";

    private static readonly FrozenDictionary<string, string> Embedded = LoadEmbedded();

    /// <summary>The locales to try, most specific first; a locale that is not a plain BCP 47 tag is ignored (it may come from a user).</summary>
    public static IReadOnlyList<string> Candidates(string? locale)
    {
        var candidates = new List<string>();
        if (!string.IsNullOrWhiteSpace(locale) && LocalePattern().IsMatch(locale))
        {
            candidates.Add(locale);
            var dash = locale.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0)
            {
                candidates.Add(locale[..dash]);
            }
        }

        candidates.Add(FallbackLocale);
        return candidates.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>The template text in <paramref name="locale"/> exactly (override first), or null.</summary>
    public async Task<string?> ReadAsync(string name, string extension, string locale, CancellationToken cancellationToken)
    {
        if (!NamePattern().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a template name.", nameof(name));
        }

        if (!string.IsNullOrWhiteSpace(overrideDirectory))
        {
            foreach (var folder in new[] { locale, locale.ToLowerInvariant() }.Distinct())
            {
                var path = Path.Combine(overrideDirectory, folder, name + extension);
                if (File.Exists(path))
                {
                    return await File.ReadAllTextAsync(path, cancellationToken);
                }
            }
        }

        return Embedded.GetValueOrDefault($"templates/{kind}/{locale.ToLowerInvariant()}/{name}{extension}");
    }

    private static FrozenDictionary<string, string> LoadEmbedded()
    {
        var assembly = typeof(TemplateStore).Assembly;
        var templates = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var name = resource.Replace('\\', '/');
            if (!name.StartsWith("templates/", StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            // Templates are authored with LF; emails end lines with CRLF anyway when they are encoded.
            templates[name] = reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
        }

        return templates.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    [GeneratedRegex("^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,3}$")]
    private static partial Regex LocalePattern();

    [GeneratedRegex("^[a-z0-9_-]{1,64}$")]
    private static partial Regex NamePattern();
}

/// <summary>Replaces <c>{{key}}</c> in one pass, so a value that itself contains <c>{{...}}</c> is never expanded.</summary>
internal static partial class Placeholders
{
    public static string Fill(string template, string templateName, Func<string, string?> value) =>
        Pattern().Replace(template, match =>
        {
            var key = match.Groups[1].Value;
            return value(key) ?? throw new InvalidOperationException($"Template '{templateName}' needs a value for '{key}'.");
        });

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex Pattern();
}
