using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Authentication.TwoFactor;

public sealed class TwoFactorOptions
{
    public const string Section = "Warden:TwoFactor";

    /// <summary>The name authenticator apps show beside the account (otpauth issuer).</summary>
    public string Issuer { get; set; } = "Warden";

    /// <summary>
    /// Off by default: a code sent to the same mailbox that can reset the password is not a second factor
    /// against anyone who controls that mailbox.
    /// </summary>
    public bool AllowEmailCodes { get; set; }

    /// <summary>How long an SMS or email code stays valid.</summary>
    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Wrong guesses allowed per code before it is spent; with a million codes, 5 gives 1 in 200,000.</summary>
    public int MaxCodeAttempts { get; set; } = 5;

    /// <summary>
    /// Base64 key (at least 32 bytes) for the HMAC of stored one-time codes. When unset, a key is generated once
    /// into <c>keys/one-time-codes.key</c> under the data directory; nodes behind one load balancer must share it
    /// (set this, or mount the same file), or a code sent by one node fails on another.
    /// </summary>
    public string? CodeHashKey { get; set; }
}

internal sealed class TwoFactorOptionsValidator : IValidateOptions<TwoFactorOptions>
{
    public ValidateOptionsResult Validate(string? name, TwoFactorOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddErrorIf(string.IsNullOrWhiteSpace(options.Issuer) || options.Issuer.Length > 64 || options.Issuer.Contains(':', StringComparison.Ordinal),
            "Warden:TwoFactor:Issuer must be 1 to 64 characters without a colon (authenticator apps split the label on it).");
        errors.AddErrorIf(options.CodeLifetime < TimeSpan.FromMinutes(1) || options.CodeLifetime > TimeSpan.FromMinutes(30),
            $"Warden:TwoFactor:CodeLifetime must be between 00:01:00 and 00:30:00 (got {options.CodeLifetime}).");
        errors.Between("Warden:TwoFactor:MaxCodeAttempts", options.MaxCodeAttempts, 1, 10);

        // The value is a secret: say what is wrong with it, never echo it.
        errors.AddErrorIf(options.CodeHashKey is not null && CodeHashKey.TryParse(options.CodeHashKey) is null,
            $"Warden:TwoFactor:CodeHashKey must be base64 of at least {OneTimeCodeHasher.MinKeySizeInBytes} bytes.");
        return errors.Build();
    }
}
