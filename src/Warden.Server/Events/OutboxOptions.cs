using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Events;

/// <summary>Settings under <c>Warden:Outbox</c>.</summary>
public sealed class OutboxOptions
{
    public const string Section = "Warden:Outbox";

    /// <summary>Run the dispatcher on this node. Every node may: claims keep them from delivering a message twice at once.</summary>
    public bool DispatcherEnabled { get; set; } = true;

    /// <summary>
    /// How often the dispatcher looks for work it was not woken for (messages written by another node, retries
    /// that came due). A commit on this node wakes it at once.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    public int BatchSize { get; set; } = 20;

    /// <summary>
    /// Deliveries before a message is poisoned (kept, not retried, until an operator retries it). With the default
    /// backoff (10 s doubling to 1 h) 30 attempts span about a day, so an outage of RabbitMQ or the mail server
    /// shorter than that delays events and loses none.
    /// </summary>
    public int MaxAttempts { get; set; } = 30;

    /// <summary>Delay after the first failure; it doubles per attempt up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a claimed batch stays with its dispatcher; after a crash another node takes it over then.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Delivered messages are deleted after this long (poisoned ones are kept).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    internal TimeSpan RetryDelay(int attempts)
    {
        var exponent = Math.Clamp(attempts - 1, 0, 30);
        var delay = RetryBaseDelay * Math.Pow(2, exponent);
        return delay < RetryMaxDelay ? delay : RetryMaxDelay;
    }
}

internal sealed class OutboxOptionsValidator : IValidateOptions<OutboxOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.Positive("Warden:Outbox:PollInterval", options.PollInterval, "00:00:05");
        errors.Positive("Warden:Outbox:RetryBaseDelay", options.RetryBaseDelay, "00:00:05");
        errors.Positive("Warden:Outbox:LeaseDuration", options.LeaseDuration, "00:00:05");
        errors.Positive("Warden:Outbox:Retention", options.Retention, "00:00:05");
        errors.AddErrorIf(options.RetryMaxDelay < options.RetryBaseDelay, "Warden:Outbox:RetryMaxDelay must not be shorter than Warden:Outbox:RetryBaseDelay.");
        errors.Between("Warden:Outbox:BatchSize", options.BatchSize, 1, 1000);
        errors.AddErrorIf(options.MaxAttempts < 1, $"Warden:Outbox:MaxAttempts must be at least 1 (got {options.MaxAttempts}).");
        return errors.Build();
    }
}
