using System.Net;
using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace Warden.Server.Notifications;

public enum EmailDelivery
{
    /// <summary>One <c>.eml</c> file per message in a directory (development, tests, or a relay that watches it).</summary>
    Pickup,
    Smtp,
}

/// <summary>Settings under <c>Warden:Email</c>.</summary>
public sealed class EmailOptions
{
    public const string Section = "Warden:Email";

    public EmailDelivery Delivery { get; set; } = EmailDelivery.Pickup;

    public string From { get; set; } = "Warden <no-reply@warden.local>";

    /// <summary>Where <see cref="EmailDelivery.Pickup"/> writes; default <c>mail</c> under the data directory.</summary>
    public string? PickupDirectory { get; set; }

    /// <summary>Overrides for the built-in templates: <c>&lt;locale&gt;/&lt;name&gt;.txt</c> and <c>.html</c>.</summary>
    public string? TemplatesDirectory { get; set; }

    public SmtpOptions Smtp { get; set; } = new();

    internal MailAddress FromAddress => new(From);
}

public sealed class SmtpOptions
{
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary>Upgrade the connection with STARTTLS and fail if the server cannot (System.Net.Mail has no implicit TLS on 465).</summary>
    public bool EnableStartTls { get; set; } = true;

    public string? UserName { get; set; }

    public string? Password { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

internal sealed class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Delivery))
        {
            failures.Add("Warden:Email:Delivery must be Pickup or Smtp.");
        }

        if (!MailAddress.TryCreate(options.From, out _))
        {
            failures.Add($"Warden:Email:From must be an email address such as 'Warden <no-reply@example.com>' (got '{options.From}').");
        }

        if (options.Delivery == EmailDelivery.Smtp)
        {
            var smtp = options.Smtp;
            if (string.IsNullOrWhiteSpace(smtp.Host))
            {
                failures.Add("Warden:Email:Smtp:Host is required when Warden:Email:Delivery is Smtp.");
            }
            else if (!string.IsNullOrEmpty(smtp.UserName) && !smtp.EnableStartTls && !IsLoopback(smtp.Host))
            {
                // The credentials would cross the network in clear text.
                failures.Add("Warden:Email:Smtp:EnableStartTls must be true when Warden:Email:Smtp:UserName is set and the server is not on this machine.");
            }

            if (smtp.Port is < 1 or > 65535)
            {
                failures.Add($"Warden:Email:Smtp:Port must be between 1 and 65535 (got {smtp.Port}).");
            }

            if (smtp.Timeout <= TimeSpan.Zero)
            {
                failures.Add("Warden:Email:Smtp:Timeout must be a positive duration such as 00:00:30.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
}
