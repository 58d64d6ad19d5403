using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Passwords;

/// <summary>
/// Settings of the password flows (reset, change, expiry reminders), under the same <c>Warden:Passwords</c>
/// section as the policy itself (<see cref="PasswordPolicyOptions"/>), with keys of their own.
/// </summary>
public sealed class PasswordLifecycleOptions
{
    public const string Section = PasswordPolicyOptions.Section;

    /// <summary>How long an emailed reset link works (it works once).</summary>
    public TimeSpan ResetTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// At most one reset email per address in this period; further requests are silently dropped. At most 10
    /// minutes: the throttle rows live in <c>login_attempts</c>, whose stale rows are cleaned after the lockout's failure window.
    /// </summary>
    public TimeSpan ResetEmailInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the expiry reminder looks for passwords about to expire.</summary>
    public TimeSpan ExpiryReminderCheckInterval { get; set; } = TimeSpan.FromHours(1);
}

internal sealed class PasswordLifecycleOptionsValidator : IValidateOptions<PasswordLifecycleOptions>
{
    public ValidateOptionsResult Validate(string? name, PasswordLifecycleOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddErrorIf(options.ResetTokenLifetime <= TimeSpan.Zero || options.ResetTokenLifetime > TimeSpan.FromDays(1),
            $"{PasswordLifecycleOptions.Section}:ResetTokenLifetime must be between 00:00:01 and 1.00:00:00 (got {options.ResetTokenLifetime}).");
        errors.AddErrorIf(options.ResetEmailInterval < TimeSpan.Zero || options.ResetEmailInterval > TimeSpan.FromMinutes(10),
            $"{PasswordLifecycleOptions.Section}:ResetEmailInterval must be between 0 and 00:10:00 (got {options.ResetEmailInterval}).");
        errors.AddErrorIf(options.ExpiryReminderCheckInterval < TimeSpan.FromSeconds(1),
            $"{PasswordLifecycleOptions.Section}:ExpiryReminderCheckInterval must be at least 00:00:01 (got {options.ExpiryReminderCheckInterval}).");
        return errors.Build();
    }
}
