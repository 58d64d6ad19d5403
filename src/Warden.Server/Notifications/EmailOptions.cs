using System.Diagnostics.CodeAnalysis;
using System.Net;
using Microsoft.Extensions.Options;
using MimeKit;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Notifications;

public enum EmailDelivery
{
    /// <summary>One <c>.eml</c> file per message in a directory (development, tests, or a relay that watches it).</summary>
    Pickup,
    Smtp,
}

/// <summary>How the SMTP connection is protected (<c>Warden:Email:Smtp:Security</c>).</summary>
public enum SmtpSecurity
{
    /// <summary>Connect in plain text and upgrade with STARTTLS; a server that does not offer it is refused (submission, port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte, "implicit TLS" (submissions, port 465).</summary>
    Tls,

    /// <summary>No encryption; with credentials only for a server on this machine.</summary>
    None,
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

    /// <summary><see cref="From"/> parsed; the validator has checked it, so this does not throw after start-up.</summary>
    internal MailboxAddress FromAddress =>
        EmailOptionsValidator.TryParseFrom(From, out var address) ? address : throw new FormatException($"'{From}' is not an email address.");
}

public sealed class SmtpOptions
{
    public string? Host { get; set; }

    /// <summary>Default 587, or 465 with <see cref="SmtpSecurity.Tls"/>.</summary>
    public int? Port { get; set; }

    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>
    /// Replaced by <see cref="Security"/>; bound only so that a configuration still setting it is refused at
    /// start-up with a pointer to the new key, instead of being silently ignored.
    /// </summary>
    public string? EnableStartTls { get; set; }

    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>For one message: connecting, TLS, authenticating, sending and saying goodbye.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    internal int EffectivePort => Port ?? (Security == SmtpSecurity.Tls ? 465 : 587);
}

internal sealed class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    // Strict, and a domain required: MimeKit's lenient defaults would take "not an address" as a local user.
    private static readonly ParserOptions StrictAddresses = new()
    {
        AddressParserComplianceMode = RfcComplianceMode.Strict,
        AllowAddressesWithoutDomain = false,
    };

    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddErrorIf(!Enum.IsDefined(options.Delivery), "Warden:Email:Delivery must be Pickup or Smtp.");
        errors.AddErrorIf(!TryParseFrom(options.From, out _),
            $"Warden:Email:From must be an email address such as 'Warden <no-reply@example.com>' (got '{options.From}').");

        var smtp = options.Smtp;
        errors.AddErrorIf(smtp.EnableStartTls is not null,
            "Warden:Email:Smtp:EnableStartTls was replaced by Warden:Email:Smtp:Security: StartTls (the default; was EnableStartTls=true), "
            + "Tls (implicit TLS, port 465) or None (was EnableStartTls=false). Remove EnableStartTls.");
        if (options.Delivery == EmailDelivery.Smtp)
        {
            errors.AddErrorIf(!Enum.IsDefined(smtp.Security), "Warden:Email:Smtp:Security must be StartTls, Tls or None.");
            if (string.IsNullOrWhiteSpace(smtp.Host))
            {
                errors.AddError("Warden:Email:Smtp:Host is required when Warden:Email:Delivery is Smtp.");
            }
            else if (!string.IsNullOrEmpty(smtp.UserName) && smtp.Security == SmtpSecurity.None && !IsLoopback(smtp.Host))
            {
                // The credentials would cross the network in clear text.
                errors.AddError("Warden:Email:Smtp:Security must be StartTls or Tls when Warden:Email:Smtp:UserName is set and the server is not on this machine.");
            }

            errors.AddErrorIf(smtp.Port is < 1 or > 65535, $"Warden:Email:Smtp:Port must be between 1 and 65535 (got {smtp.Port}).");
            errors.AddErrorIf(smtp.Timeout <= TimeSpan.Zero || smtp.Timeout.TotalMilliseconds > int.MaxValue,
                "Warden:Email:Smtp:Timeout must be a positive duration such as 00:00:30.");
        }

        return errors.Build();
    }

    internal static bool TryParseFrom(string? value, [NotNullWhen(true)] out MailboxAddress? address)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(value) || !MailboxAddress.TryParse(StrictAddresses, value, out var parsed) || string.IsNullOrEmpty(parsed.Domain))
        {
            return false;
        }

        address = parsed;
        return true;
    }

    internal static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
}
