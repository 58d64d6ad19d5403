using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Passwords;

/// <summary>
/// The password policy under <c>Warden:Passwords</c>. Named apart from Identity's <c>PasswordOptions</c>,
/// which Warden switches off (see <c>IdentityConfiguration</c>): this policy is the only one enforced.
/// </summary>
public sealed class PasswordPolicyOptions
{
    public const string Section = "Warden:Passwords";

    /// <summary>NIST SP 800-63B's floor; the validator refuses anything lower.</summary>
    public const int MinimumAllowedLength = 8;

    /// <summary>Long passphrases are welcome, but an unbounded input is an invitation to burn CPU in the hasher.</summary>
    public const int MaximumAllowedLength = 1024;

    public const int MaximumHistoryCount = 24;

    public int MinLength { get; set; } = 8;

    /// <summary>Longer passwords are rejected, never truncated (truncation would silently weaken them).</summary>
    public int MaxLength { get; set; } = 128;

    public bool RequireUppercase { get; set; } = true;
    public bool RequireLowercase { get; set; } = true;
    public bool RequireDigit { get; set; } = true;
    public bool RequireSpecial { get; set; } = true;

    /// <summary>Reject passwords from the shipped common-password list (see THIRD-PARTY.md).</summary>
    public bool BlockCommonPasswords { get; set; } = true;

    /// <summary>How many of the user's most recent passwords (the current one included) may not be reused; 0 turns it off.</summary>
    public int HistoryCount { get; set; } = 5;

    /// <summary>
    /// How long a password lasts before the user must change it; <c>null</c> or zero turns expiry off.
    /// Configuration accepts days (<c>90</c>) or a time span (<c>90.00:00:00</c>).
    /// </summary>
    public TimeSpan? MaxAge { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How many days before expiry the user is reminded.</summary>
    public int ExpiryReminderDays { get; set; } = 7;

    public bool ExpiryEnabled => MaxAge is { } age && age > TimeSpan.Zero;
}

internal sealed class PasswordPolicyOptionsValidator : IValidateOptions<PasswordPolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, PasswordPolicyOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddErrorIf(options.MinLength < PasswordPolicyOptions.MinimumAllowedLength,
            $"Warden:Passwords:MinLength must be at least {PasswordPolicyOptions.MinimumAllowedLength} (got {options.MinLength}).");
        errors.AddErrorIf(options.MaxLength < options.MinLength || options.MaxLength > PasswordPolicyOptions.MaximumAllowedLength,
            $"Warden:Passwords:MaxLength must be between Warden:Passwords:MinLength ({options.MinLength}) and {PasswordPolicyOptions.MaximumAllowedLength} (got {options.MaxLength}).");
        errors.AddErrorIf(options.HistoryCount is < 0 or > PasswordPolicyOptions.MaximumHistoryCount,
            $"Warden:Passwords:HistoryCount must be between 0 (off) and {PasswordPolicyOptions.MaximumHistoryCount} (got {options.HistoryCount}).");
        if (options.MaxAge is { } age && age < TimeSpan.Zero)
        {
            errors.AddError($"Warden:Passwords:MaxAge must not be negative (got {age}); use 0 to turn expiry off.");
        }

        if (options.ExpiryReminderDays < 0)
        {
            errors.AddError($"Warden:Passwords:ExpiryReminderDays must not be negative (got {options.ExpiryReminderDays}).");
        }
        else if (options.ExpiryEnabled && options.ExpiryReminderDays >= options.MaxAge!.Value.TotalDays)
        {
            errors.AddError(
                $"Warden:Passwords:ExpiryReminderDays ({options.ExpiryReminderDays}) must be shorter than Warden:Passwords:MaxAge ({options.MaxAge.Value.TotalDays} days).");
        }

        return errors.Build();
    }
}
