using Microsoft.Extensions.Options;

namespace Warden.Server.Messaging;

/// <summary>Settings under <c>Warden:RabbitMq</c>. Without a connection string nothing is published.</summary>
public sealed class RabbitMqOptions
{
    public const string Section = "Warden:RabbitMq";

    /// <summary>An AMQP URI such as <c>amqp://warden:secret@rabbit:5672/</c> (<c>amqps://</c> for TLS).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The durable topic exchange events go to; the routing key is the event type.</summary>
    public string Exchange { get; set; } = "warden.events";

    /// <summary>Limit on connecting and on waiting for the broker's confirmation of each message.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>After a failed connection, events fail at once for this long instead of each waiting on a dead broker.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(5);

    public bool Enabled => !string.IsNullOrWhiteSpace(ConnectionString);
}

internal sealed class RabbitMqOptionsValidator : IValidateOptions<RabbitMqOptions>
{
    public ValidateOptionsResult Validate(string? name, RabbitMqOptions options)
    {
        var failures = new List<string>();
        if (options.Enabled
            && (!Uri.TryCreate(options.ConnectionString, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps")))
        {
            // The value is not echoed: it holds the broker's password.
            failures.Add("Warden:RabbitMq:ConnectionString must be an amqp:// or amqps:// URI, such as amqp://user:password@host:5672/.");
        }

        if (string.IsNullOrWhiteSpace(options.Exchange) || options.Exchange.Length > 255)
        {
            failures.Add("Warden:RabbitMq:Exchange must be a name of 1 to 255 characters.");
        }

        if (options.Timeout <= TimeSpan.Zero)
        {
            failures.Add($"Warden:RabbitMq:Timeout must be a positive duration such as 00:00:10 (got {options.Timeout}).");
        }

        if (options.ReconnectDelay < TimeSpan.Zero)
        {
            failures.Add($"Warden:RabbitMq:ReconnectDelay must not be negative (got {options.ReconnectDelay}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
