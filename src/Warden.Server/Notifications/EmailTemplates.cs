using System.Text.Encodings.Web;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Notifications;

/// <summary>
/// Renders an email from a template pair: <c>&lt;name&gt;.txt</c> (first line <c>Subject: ...</c>, a blank
/// line, the text body) and <c>&lt;name&gt;.html</c> (the HTML body), each placed in the locale's
/// <c>_layout.txt</c> / <c>_layout.html</c>. Values are HTML-encoded in the HTML part; every template
/// also gets <c>productName</c> and <c>baseUrl</c>.
/// </summary>
public sealed class EmailTemplates(IOptions<EmailOptions> options, IOptions<WardenOptions> warden)
{
    public const string ProductName = "Warden";

    private TemplateStore Store => new("email", options.Value.TemplatesDirectory);

    public async Task<EmailMessage> RenderAsync(
        string template, string to, string? locale, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken)
    {
        var store = Store;
        foreach (var candidate in TemplateStore.Candidates(locale))
        {
            var text = await store.ReadAsync(template, ".txt", candidate, cancellationToken);
            if (text is null)
            {
                continue;
            }

            // Both parts come from the same locale, or the email would speak two languages.
            var html = await store.ReadAsync(template, ".html", candidate, cancellationToken)
                ?? throw new InvalidOperationException($"Email template '{template}' ({candidate}) has a text part but no HTML part.");
            return await RenderAsync(store, template, candidate, to, text, html, values, cancellationToken);
        }

        throw new InvalidOperationException($"There is no email template '{template}'.");
    }

    private async Task<EmailMessage> RenderAsync(
        TemplateStore store, string template, string locale, string to, string text, string html,
        IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken)
    {
        var common = new Dictionary<string, string>
        {
            ["productName"] = ProductName,
            ["baseUrl"] = warden.Value.PublicBaseUri.AbsoluteUri,
        };
        string? Raw(string key) => values.TryGetValue(key, out var value) ? value : common.GetValueOrDefault(key);
        string? Encoded(string key) => Raw(key) is { } value ? HtmlEncoder.Default.Encode(value) : null;

        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (!text.StartsWith("Subject:", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Email template '{template}' ({locale}) must start with a 'Subject:' line.");
        }

        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        var subjectLine = newline < 0 ? text : text[..newline];
        var textBody = newline < 0 ? "" : text[(newline + 1)..].TrimStart('\n');
        // A value with a line break must not become a second header line.
        var subject = string.Join(' ', Placeholders.Fill(subjectLine["Subject:".Length..], template, Raw)
            .Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

        var renderedText = Placeholders.Fill(textBody, template, Raw).TrimEnd();
        var renderedHtml = Placeholders.Fill(html, template, Encoded).Trim();

        var textLayout = await ReadLayoutAsync(store, locale, ".txt", cancellationToken);
        var htmlLayout = await ReadLayoutAsync(store, locale, ".html", cancellationToken);
        var textPart = Placeholders.Fill(textLayout, "_layout", key => key == "content" ? renderedText : key == "subject" ? subject : Raw(key));
        var htmlPart = Placeholders.Fill(htmlLayout, "_layout", key => key == "content" ? renderedHtml : key == "subject" ? HtmlEncoder.Default.Encode(subject) : Encoded(key));
        return new EmailMessage(to, subject, textPart.Trim() + "\n", htmlPart.Trim() + "\n");
    }

    private static async Task<string> ReadLayoutAsync(TemplateStore store, string locale, string extension, CancellationToken cancellationToken)
    {
        foreach (var candidate in TemplateStore.Candidates(locale))
        {
            if (await store.ReadAsync("_layout", extension, candidate, cancellationToken) is { } layout)
            {
                return layout;
            }
        }

        return "{{content}}";
    }
}
