using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

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
        var errors = new ValidateOptionsResultBuilder();

        // The value is not echoed: it holds the broker's password.
        errors.AddErrorIf(
            options.Enabled && (!Uri.TryCreate(options.ConnectionString, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps")),
            "Warden:RabbitMq:ConnectionString must be an amqp:// or amqps:// URI, such as amqp://user:password@host:5672/.");
        errors.AddErrorIf(string.IsNullOrWhiteSpace(options.Exchange) || options.Exchange.Length > 255,
            "Warden:RabbitMq:Exchange must be a name of 1 to 255 characters.");
        errors.Positive("Warden:RabbitMq:Timeout", options.Timeout, "00:00:10");
        errors.NotNegative("Warden:RabbitMq:ReconnectDelay", options.ReconnectDelay);
        return errors.Build();
    }
}
