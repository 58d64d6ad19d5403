using Microsoft.Extensions.Options;

namespace Warden.Server.Notifications;

/// <summary>Renders an SMS body from <c>&lt;name&gt;.txt</c> in the best locale (English as the fallback).</summary>
public sealed class SmsTemplates(IOptions<SmsOptions> options)
{
    public async Task<SmsMessage> RenderAsync(
        string template, string to, string? locale, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken)
    {
        var store = new TemplateStore("sms", options.Value.TemplatesDirectory);
        foreach (var candidate in TemplateStore.Candidates(locale))
        {
            if (await store.ReadAsync(template, ".txt", candidate, cancellationToken) is { } text)
            {
                var body = Placeholders.Fill(text, template, key => key == "productName" ? EmailTemplates.ProductName : values.GetValueOrDefault(key));
                return new SmsMessage(to, body.Trim());
            }
        }

        throw new InvalidOperationException($"There is no SMS template '{template}'.");
    }
}
