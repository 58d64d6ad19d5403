using System.Net;
using Microsoft.Extensions.Options;

namespace Warden.Server.Infrastructure.Http;

public sealed class NetworkOptions
{
    public const string Section = "Warden:Network";

    /// <summary>
    /// Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed.
    /// Empty by default: a forwarded header from anyone else is a lie an attacker tells to dodge rate limits.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>Origins allowed to call the API from a browser (CORS). None by default.</summary>
    public List<string> CorsAllowedOrigins { get; set; } = [];

    /// <summary>Largest request body accepted, in bytes (endpoints that take uploads set their own).</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}

internal sealed class NetworkOptionsValidator : IValidateOptions<NetworkOptions>
{
    public ValidateOptionsResult Validate(string? name, NetworkOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.TrustedProxies.Count; i++)
        {
            var entry = options.TrustedProxies[i];
            if (!IPAddress.TryParse(entry, out _) && !System.Net.IPNetwork.TryParse(entry, out _))
            {
                failures.Add($"Warden:Network:TrustedProxies:{i} is not an IP address or CIDR range: '{entry}'.");
            }
        }

        for (var i = 0; i < options.CorsAllowedOrigins.Count; i++)
        {
            var origin = options.CorsAllowedOrigins[i];
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/")
            {
                failures.Add($"Warden:Network:CorsAllowedOrigins:{i} must be an origin such as https://app.example.com: '{origin}'.");
            }
        }

        if (options.MaxRequestBodyBytes < 1024)
        {
            failures.Add("Warden:Network:MaxRequestBodyBytes must be at least 1024.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
