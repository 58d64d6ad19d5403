using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Webhooks;

/// <summary>Settings under <c>Warden:Webhooks</c>.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Warden:Webhooks";

    /// <summary>Refuse <c>http://</c> receivers: event data holds personal data (emails, IP addresses).</summary>
    public bool RequireHttps { get; set; } = true;

    /// <summary>Each attempt's limit, connection and response together.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts before a delivery is dead. With the default backoff, 12 attempts span about 21 hours.</summary>
    public int MaxAttempts { get; set; } = 12;

    /// <summary>Delay after the first failure; it doubles per attempt up to <see cref="RetryMaxDelay"/>, ±20 % jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Deliveries sent at once by one node.</summary>
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>How often the sender looks for retries that came due and deliveries fanned out by other nodes.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Delivered and dead deliveries (and the event data in them) are deleted after this long.</summary>
    public TimeSpan DeliveryRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Retired: one switch, <c>Warden:Network:AllowPrivateTargets</c>, now covers every outbound call. Read only to
    /// refuse a start that still sets it, instead of quietly ignoring what the operator meant.
    /// </summary>
    public bool? AllowPrivateTargets { get; set; }

    internal TimeSpan RetryDelay(int attempts)
    {
        var exponent = Math.Clamp(attempts - 1, 0, 30);
        var delay = RetryBaseDelay * Math.Pow(2, exponent);
        if (delay > RetryMaxDelay)
        {
            delay = RetryMaxDelay;
        }

        // Jitter spreads the retries of many deliveries that failed together (a receiver that was down).
        return delay * (0.8 + (Random.Shared.NextDouble() * 0.4));
    }
}

internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.Positive("Warden:Webhooks:Timeout", options.Timeout, "00:00:10");
        errors.Positive("Warden:Webhooks:RetryBaseDelay", options.RetryBaseDelay, "00:00:10");
        errors.Positive("Warden:Webhooks:PollInterval", options.PollInterval, "00:00:10");
        errors.Positive("Warden:Webhooks:DeliveryRetention", options.DeliveryRetention, "00:00:10");
        errors.AddErrorIf(options.RetryMaxDelay < options.RetryBaseDelay, "Warden:Webhooks:RetryMaxDelay must not be shorter than Warden:Webhooks:RetryBaseDelay.");
        errors.Between("Warden:Webhooks:MaxAttempts", options.MaxAttempts, 1, 100);
        errors.Between("Warden:Webhooks:MaxConcurrency", options.MaxConcurrency, 1, 256);
        errors.AddErrorIf(options.AllowPrivateTargets is not null,
            "Warden:Webhooks:AllowPrivateTargets is retired: set Warden:Network:AllowPrivateTargets, which covers every outbound call.");
        return errors.Build();
    }
}
