using Warden.Policies;

namespace Warden.Client.AspNetCore;

/// <summary>How a service trusts Warden (bound from the configuration section <c>Warden</c> by default).</summary>
public sealed class WardenAuthenticationOptions
{
    /// <summary>Warden's issuer, e.g. <c>https://id.example.com</c>: its discovery document and JWKS are read from there.</summary>
    public string? Authority { get; set; }

    /// <summary>
    /// This service's audience: the resource of its API scope in Warden. Tokens minted for any other audience
    /// (Warden's own API, another service) are refused. For introspection it is also the service's client id.
    /// </summary>
    public string? Audience { get; set; }

    /// <summary>The service's client id at Warden (client credentials); defaults to <see cref="Audience"/>.</summary>
    public string? ClientId { get; set; }

    /// <summary>The service's client secret. Without it there is no introspection and no <see cref="WardenApiClient"/>.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>The scopes <see cref="WardenApiClient"/> asks for with client credentials (default <c>authz:check</c>).</summary>
    public string ApiScopes { get; set; } = "authz:check";

    /// <summary>
    /// The revocation window: each token is introspected at Warden at most once per this interval, so a token of a
    /// session revoked in Warden stops working here within it. Zero or less: no introspection (a revoked session's
    /// tokens then work until they expire). Default 30 seconds; needs <see cref="ClientSecret"/>.
    /// </summary>
    public TimeSpan RevocationCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Tolerance for clocks that differ between Warden and this service (default 30 seconds).</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The least time between two fetches of Warden's keys caused by a token naming a key not seen yet (default one
    /// minute). Such a fetch runs in the background: the request that caused it is refused, later ones pass.
    /// </summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often Warden's metadata and keys are read again (default and least five minutes). Warden publishes a new
    /// key twice its own <c>Warden:Tokens:KeyRefreshInterval</c> (ten minutes by default) before signing with it; keep
    /// this interval shorter, and a rotation reaches the service before any token signed with the new key does.
    /// </summary>
    public TimeSpan MetadataRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Whether the authority must be https (default true; false only for development on loopback).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>The access rules this service evaluates locally, in Warden's rule format (see Warden.Policies' README).</summary>
    public Dictionary<string, PolicyRuleOptions> Rules { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The handler every call to Warden goes through (metadata, keys, introspection, tokens, API); null: a pooled
    /// socket handler. For a proxy, a custom certificate check, or an in-memory Warden in tests. Not disposed.
    /// </summary>
    public HttpMessageHandler? BackchannelHandler { get; set; }

    internal string EffectiveClientId => string.IsNullOrEmpty(ClientId) ? Audience! : ClientId;

    internal bool HasClientCredentials => !string.IsNullOrEmpty(ClientSecret) && !string.IsNullOrEmpty(EffectiveClientId);
}
