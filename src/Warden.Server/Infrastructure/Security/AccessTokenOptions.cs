using Microsoft.Extensions.Options;

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
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.Issuer) && !Uri.TryCreate(options.Issuer, UriKind.Absolute, out _))
        {
            failures.Add($"Warden:Tokens:Issuer must be an absolute URL (got '{options.Issuer}').");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add("Warden:Tokens:Audience must not be empty.");
        }

        if (options.AccessTokenLifetime < TimeSpan.FromMinutes(1) || options.AccessTokenLifetime > TimeSpan.FromHours(24))
        {
            failures.Add("Warden:Tokens:AccessTokenLifetime must be between 00:01:00 and 1.00:00:00.");
        }

        if (options.KeyRefreshInterval < TimeSpan.FromSeconds(10) || options.KeyRefreshInterval > TimeSpan.FromHours(1))
        {
            failures.Add("Warden:Tokens:KeyRefreshInterval must be between 00:00:10 and 01:00:00.");
        }

        if (options.KeyRotationInterval < TimeSpan.FromHours(1) || options.KeyRotationInterval < 4 * options.KeyRefreshInterval)
        {
            failures.Add("Warden:Tokens:KeyRotationInterval must be at least 01:00:00 and at least four times Warden:Tokens:KeyRefreshInterval.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
