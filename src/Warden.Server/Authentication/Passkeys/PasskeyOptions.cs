using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Authentication.Passkeys;

/// <summary>Settings under <c>Warden:Passkeys</c>: who the relying party is and which pages may run its ceremonies.</summary>
public sealed class PasskeyOptions
{
    public const string Section = "Warden:Passkeys";

    /// <summary>
    /// The WebAuthn relying-party id: <c>Warden:PublicBaseUrl</c>'s host or a parent domain of it. Defaults to that
    /// host; when the host is an IP address (which cannot be an RP id) and nothing is set, passkeys are off.
    /// </summary>
    public string? RelyingPartyId { get; set; }

    /// <summary>Origins (<c>scheme://host[:port]</c>) whose pages may register and use passkeys; defaults to the public URL's origin.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>How long a ceremony's options stay good (the browser's timeout too).</summary>
    public TimeSpan ChallengeLifetime { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// The relying party as resolved from <see cref="PasskeyOptions"/> and the public URL: the RP id (null when passkeys
/// are off) and the allowed origins, compared exactly.
/// </summary>
public sealed class PasskeyRelyingParty(IOptions<WardenOptions> warden, IOptions<PasskeyOptions> options)
{
    private readonly Lazy<Resolved> _resolved = new(() => Resolve(warden.Value, options.Value));

    public string? Id => _resolved.Value.Id;

    public bool Enabled => Id is not null;

    public IReadOnlyList<string> Origins => _resolved.Value.Origins;

    public bool AllowsOrigin(string? origin) => origin is not null && Origins.Contains(origin.TrimEnd('/'), StringComparer.OrdinalIgnoreCase);

    public sealed record Resolved(string? Id, IReadOnlyList<string> Origins, IReadOnlyList<string> Errors);

    public static Resolved Resolve(WardenOptions warden, PasskeyOptions options)
    {
        var errors = new List<string>();
        if (!Uri.TryCreate(warden.PublicBaseUrl, UriKind.Absolute, out var publicUri))
        {
            return new Resolved(null, [], errors); // Warden:PublicBaseUrl's own validation says why
        }

        var host = publicUri.IdnHost.ToLowerInvariant();
        var configured = string.IsNullOrWhiteSpace(options.RelyingPartyId) ? null : options.RelyingPartyId.Trim().TrimEnd('.').ToLowerInvariant();
        string? id;
        if (configured is null)
        {
            id = IsIpAddress(host) ? null : host;
        }
        else if (IsIpAddress(configured))
        {
            errors.Add($"{PasskeyOptions.Section}:RelyingPartyId cannot be an IP address (got '{configured}'): WebAuthn needs a domain name.");
            id = null;
        }
        else if (host != configured && !host.EndsWith("." + configured, StringComparison.Ordinal))
        {
            errors.Add($"{PasskeyOptions.Section}:RelyingPartyId '{configured}' does not match Warden:PublicBaseUrl's host '{host}': it must be that host or a parent domain of it.");
            id = null;
        }
        else
        {
            id = configured;
        }

        var origins = new List<string>();
        var wanted = options.AllowedOrigins.Count > 0 ? options.AllowedOrigins : [publicUri.GetLeftPart(UriPartial.Authority)];
        foreach (var entry in wanted)
        {
            if (!Uri.TryCreate(entry?.Trim(), UriKind.Absolute, out var origin) || (origin.Scheme != Uri.UriSchemeHttps && origin.Scheme != Uri.UriSchemeHttp)
                || origin.PathAndQuery != "/" || !string.IsNullOrEmpty(origin.UserInfo))
            {
                errors.Add($"{PasskeyOptions.Section}:AllowedOrigins: '{entry}' is not an origin (scheme://host[:port]).");
                continue;
            }

            var originHost = origin.IdnHost.ToLowerInvariant();
            if (origin.Scheme == Uri.UriSchemeHttp && originHost != "localhost")
            {
                // Browsers offer WebAuthn only to secure contexts: https, or http on localhost.
                errors.Add($"{PasskeyOptions.Section}:AllowedOrigins: '{entry}' must use https (http only for localhost).");
            }
            else if (id is not null && originHost != id && !originHost.EndsWith("." + id, StringComparison.Ordinal))
            {
                errors.Add($"{PasskeyOptions.Section}:AllowedOrigins: '{entry}' is not on the relying party '{id}'.");
            }
            else
            {
                origins.Add(origin.GetLeftPart(UriPartial.Authority));
            }
        }

        // An http public URL on a host other than localhost cannot use passkeys; only an explicit setting makes that an error.
        return new Resolved(errors.Count > 0 || (configured is null && origins.Count == 0) ? null : id, origins, errors);
    }

    private static bool IsIpAddress(string host) => IPAddress.TryParse(host.Trim('[', ']'), out _);
}

internal sealed class PasskeyOptionsValidator(IOptions<WardenOptions> warden) : IValidateOptions<PasskeyOptions>
{
    public ValidateOptionsResult Validate(string? name, PasskeyOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddErrorIf(options.ChallengeLifetime < TimeSpan.FromSeconds(30) || options.ChallengeLifetime > TimeSpan.FromMinutes(30),
            $"{PasskeyOptions.Section}:ChallengeLifetime must be between 00:00:30 and 00:30:00 (got {options.ChallengeLifetime}).");
        var explicitSettings = !string.IsNullOrWhiteSpace(options.RelyingPartyId) || options.AllowedOrigins.Count > 0;
        if (explicitSettings)
        {
            foreach (var error in PasskeyRelyingParty.Resolve(warden.Value, options).Errors)
            {
                errors.AddError(error);
            }
        }

        return errors.Build();
    }
}

/// <summary>Identity's passkey handler, pointed at Warden's relying party; origins are checked against the list, never the request.</summary>
internal sealed class IdentityPasskeySetup(PasskeyRelyingParty relyingParty, IOptions<PasskeyOptions> options) : IConfigureOptions<IdentityPasskeyOptions>
{
    public void Configure(IdentityPasskeyOptions identity)
    {
        identity.ServerDomain = relyingParty.Id;
        identity.AuthenticatorTimeout = options.Value.ChallengeLifetime;
        identity.ChallengeSize = 32;
        // Discoverable credentials, so a sign-in needs no username (and sends an empty allowCredentials).
        identity.ResidentKeyRequirement = "required";
        // Preferred, not required: whether it happened decides the session's amr (and whether it counts as a fresh proof).
        identity.UserVerificationRequirement = "preferred";
        identity.AttestationConveyancePreference = "none";
        identity.ValidateOrigin = context => ValueTask.FromResult(!context.CrossOrigin && relyingParty.AllowsOrigin(context.Origin));
    }
}
