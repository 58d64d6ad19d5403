using Microsoft.Extensions.Options;

namespace Warden.Server.Webhooks;

/// <summary>Settings under <c>Warden:Webhooks</c>.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Warden:Webhooks";

    /// <summary>
    /// Allow receivers on loopback, private, link-local and other internal addresses. Off: such targets are
    /// refused when a subscription is created and again at every connection, after DNS resolution, so a name
    /// that later resolves inside the network (DNS rebinding) cannot turn webhooks into a probe of it.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

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
        var failures = new List<string>();
        Positive(options.Timeout, "Timeout");
        Positive(options.RetryBaseDelay, "RetryBaseDelay");
        Positive(options.PollInterval, "PollInterval");
        Positive(options.DeliveryRetention, "DeliveryRetention");
        if (options.RetryMaxDelay < options.RetryBaseDelay)
        {
            failures.Add("Warden:Webhooks:RetryMaxDelay must not be shorter than Warden:Webhooks:RetryBaseDelay.");
        }

        if (options.MaxAttempts is < 1 or > 100)
        {
            failures.Add($"Warden:Webhooks:MaxAttempts must be between 1 and 100 (got {options.MaxAttempts}).");
        }

        if (options.MaxConcurrency is < 1 or > 256)
        {
            failures.Add($"Warden:Webhooks:MaxConcurrency must be between 1 and 256 (got {options.MaxConcurrency}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Positive(TimeSpan value, string key)
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"Warden:Webhooks:{key} must be a positive duration such as 00:00:10 (got {value}).");
            }
        }
    }
}
