using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Security;

/// <summary>Access tokens and their signing keys (<c>Warden:Tokens</c>).</summary>
public sealed class AccessTokenOptions
{
    public const string Section = "Warden:Tokens";

    /// <summary>The <c>iss</c> of every token; defaults to the public base URL (without a trailing slash).</summary>
    public string? Issuer { get; set; }

    public string Audience { get; set; } = "warden";

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long one signing key signs before its successor takes over.</summary>
    public TimeSpan KeyRotationInterval { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often each node reloads the keys from the database (and how early a successor is published).</summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);
}

internal sealed class AccessTokenOptionsValidator : IValidateOptions<AccessTokenOptions>
{
    public ValidateOptionsResult Validate(string? name, AccessTokenOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddErrorIf(!string.IsNullOrWhiteSpace(options.Issuer) && !Uri.TryCreate(options.Issuer, UriKind.Absolute, out _),
            $"Warden:Tokens:Issuer must be an absolute URL (got '{options.Issuer}').");
        errors.AddErrorIf(string.IsNullOrWhiteSpace(options.Audience), "Warden:Tokens:Audience must not be empty.");
        errors.AddErrorIf(options.AccessTokenLifetime < TimeSpan.FromMinutes(1) || options.AccessTokenLifetime > TimeSpan.FromHours(24),
            "Warden:Tokens:AccessTokenLifetime must be between 00:01:00 and 1.00:00:00.");
        errors.AddErrorIf(options.KeyRefreshInterval < TimeSpan.FromSeconds(10) || options.KeyRefreshInterval > TimeSpan.FromHours(1),
            "Warden:Tokens:KeyRefreshInterval must be between 00:00:10 and 01:00:00.");
        errors.AddErrorIf(options.KeyRotationInterval < TimeSpan.FromHours(1) || options.KeyRotationInterval < 4 * options.KeyRefreshInterval,
            "Warden:Tokens:KeyRotationInterval must be at least 01:00:00 and at least four times Warden:Tokens:KeyRefreshInterval.");
        return errors.Build();
    }
}
