using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

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

    /// <summary>
    /// Let Warden connect to loopback, private, link-local and other internal addresses when it calls an address
    /// someone configured (webhook receivers; later identity providers and import sources). Off: such targets are
    /// refused when configured and again at every connection, after DNS resolution. Tests turn it on to reach 127.0.0.1.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>
    /// <c>Strict-Transport-Security</c> max-age sent on https responses (RFC 6797): browsers then refuse plain http to
    /// this host for that long. Zero sends none (a deployment whose proxy sets it already).
    /// </summary>
    public TimeSpan HstsMaxAge { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Largest request body accepted, in bytes (endpoints that take uploads set their own).</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}

internal sealed class NetworkOptionsValidator : IValidateOptions<NetworkOptions>
{
    public ValidateOptionsResult Validate(string? name, NetworkOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddressesOrRanges("Warden:Network:TrustedProxies", options.TrustedProxies);
        for (var i = 0; i < options.TrustedProxies.Count; i++)
        {
            // Trusting every sender believes a spoofed X-Forwarded-For from anyone: it would dodge every IP rule and
            // rate limit, and let an attacker get someone else's address blocked by failing sign-ins in its name.
            errors.AddErrorIf(IpNetworks.TryParse(options.TrustedProxies[i], out var range) && IpNetworks.IsEverything(range),
                $"Warden:Network:TrustedProxies:{i} trusts every address ('{options.TrustedProxies[i]}'): list the proxies' own addresses or ranges.");
        }

        for (var i = 0; i < options.CorsAllowedOrigins.Count; i++)
        {
            var origin = options.CorsAllowedOrigins[i];
            errors.AddErrorIf(!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/",
                $"Warden:Network:CorsAllowedOrigins:{i} must be an origin such as https://app.example.com: '{origin}'.");
        }

        errors.AddErrorIf(options.HstsMaxAge < TimeSpan.Zero, "Warden:Network:HstsMaxAge must not be negative (00:00:00 sends no HSTS header).");
        errors.AddErrorIf(options.MaxRequestBodyBytes < 1024, "Warden:Network:MaxRequestBodyBytes must be at least 1024.");
        return errors.Build();
    }
}
