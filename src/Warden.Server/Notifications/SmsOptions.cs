using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Notifications;

public enum SmsDelivery
{
    /// <summary>One JSON file <c>{to, body, sentAt}</c> per message in a directory (development and tests).</summary>
    File,
    Gateway,
}

/// <summary>Settings under <c>Warden:Sms</c>.</summary>
public sealed class SmsOptions
{
    public const string Section = "Warden:Sms";

    public SmsDelivery Delivery { get; set; } = SmsDelivery.File;

    /// <summary>Where <see cref="SmsDelivery.File"/> writes; default <c>sms</c> under the data directory.</summary>
    public string? Directory { get; set; }

    /// <summary>Overrides for the built-in SMS templates: <c>&lt;locale&gt;/&lt;name&gt;.txt</c>.</summary>
    public string? TemplatesDirectory { get; set; }

    public SmsGatewayOptions Gateway { get; set; } = new();
}

public sealed class SmsGatewayOptions
{
    /// <summary>Receives <c>POST</c> with JSON <c>{"to": "...", "body": "..."}</c>.</summary>
    public string? Url { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Per request.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests per message before the failure goes back to the outbox (which retries later).</summary>
    public int MaxAttempts { get; set; } = 3;
}

internal sealed class SmsOptionsValidator : IValidateOptions<SmsOptions>
{
    public ValidateOptionsResult Validate(string? name, SmsOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddErrorIf(!Enum.IsDefined(options.Delivery), "Warden:Sms:Delivery must be File or Gateway.");
        if (options.Delivery == SmsDelivery.Gateway)
        {
            var gateway = options.Gateway;
            if (!Uri.TryCreate(gateway.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
            {
                errors.AddError($"Warden:Sms:Gateway:Url must be an absolute http or https URL when Warden:Sms:Delivery is Gateway (got '{gateway.Url}').");
            }
            else if (url.Scheme == Uri.UriSchemeHttp && !url.IsLoopback)
            {
                // The API key and one-time codes would cross the network in clear text.
                errors.AddError("Warden:Sms:Gateway:Url must use https unless the gateway is on this machine.");
            }

            errors.AddErrorIf(gateway.Timeout <= TimeSpan.Zero, "Warden:Sms:Gateway:Timeout must be a positive duration such as 00:00:10.");
            errors.Between("Warden:Sms:Gateway:MaxAttempts", gateway.MaxAttempts, 1, 10);
        }

        return errors.Build();
    }
}
