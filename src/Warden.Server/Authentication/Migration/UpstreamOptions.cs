using System.Net;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Authentication.Migration;

/// <summary>
/// Settings under <c>Warden:Migration:Upstream</c>: the system accounts move in from when it cannot export its password
/// hashes (AWS Cognito, for one). Off unless <see cref="Url"/> is set.
/// </summary>
public sealed class UpstreamOptions
{
    public const string Section = "Warden:Migration:Upstream";

    /// <summary>The check endpoint: https (http only for a loopback address, as in tests). Reached through the outbound-URL guard.</summary>
    public string? Url { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer &lt;secret&gt;</c>, so the upstream answers Warden alone. At least 16 characters.</summary>
    public string? Secret { get; set; }

    /// <summary>How long Warden waits for the upstream; past it the sign-in fails as with a wrong password.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Roles the upstream may give a migrated account (besides <c>user</c>); any other role it names is ignored.</summary>
    public List<string> AllowedRoles { get; set; } = [];

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);
}

internal sealed class UpstreamOptionsValidator : IValidateOptions<UpstreamOptions>
{
    public ValidateOptionsResult Validate(string? name, UpstreamOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        if (!options.Enabled)
        {
            return errors.Build();
        }

        var valid = Uri.TryCreate(options.Url, UriKind.Absolute, out var url)
                    && (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && IsLoopback(url.Host)))
                    && string.IsNullOrEmpty(url.UserInfo);
        errors.AddErrorIf(!valid, $"{UpstreamOptions.Section}:Url must be an absolute https URL (http only for a loopback address) without credentials in it.");
        // The value is a secret: say what is wrong with it, never echo it.
        errors.AddErrorIf(string.IsNullOrWhiteSpace(options.Secret) || options.Secret.Length < 16,
            $"{UpstreamOptions.Section}:Secret must be set (at least 16 characters) when {UpstreamOptions.Section}:Url is.");
        errors.AddErrorIf(options.Timeout < TimeSpan.FromSeconds(1) || options.Timeout > TimeSpan.FromSeconds(30),
            $"{UpstreamOptions.Section}:Timeout must be between 00:00:01 and 00:00:30 (got {options.Timeout}).");
        return errors.Build();
    }

    private static bool IsLoopback(string host) =>
        host == "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
