using System.Net.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Client;
using Warden.Server.Authentication.External;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Notifications;

namespace Warden.Server.Oidc.External;

/// <summary>An enabled provider as OpenIddict's client sees it, its secret decrypted (in memory only).</summary>
public sealed record ExternalProvider(Guid Id, string Slug, string DisplayName, string Kind, string? DiscoveryUrl, string ClientId, string ClientSecret,
    IReadOnlyList<string> Scopes, bool TrustEmailVerification)
{
    public string RegistrationId => Id.ToString("N");
}

/// <summary>
/// The providers in the database, as OpenIddict client registrations. Providers are data (administrators add and remove
/// them at run time), while OpenIddict reads its registrations from <see cref="OpenIddictClientOptions"/>: this snapshot
/// feeds those options and its change token rebuilds them (the technique of <see cref="OidcServerOptionsSetup"/> for keys).
/// <see cref="RefreshAsync"/> reads the table (one small query) before every challenge and callback, and before the sign-in
/// page lists its buttons: a provider disabled or deleted on any node stops signing in on every node at its next use,
/// without a cache to invalidate.
/// </summary>
public sealed class ExternalProviders(IServiceScopeFactory scopes, SecretProtector secrets) : IDisposable
{
    private readonly Lock _gate = new();
    private IReadOnlyList<ExternalProvider> _current = [];
    private string _fingerprint = "";
    private CancellationTokenSource _changed = new();

    public IReadOnlyList<ExternalProvider> Current => _current;

    public void Dispose() => _changed.Dispose();

    public IChangeToken ChangeToken => new CancellationChangeToken(_changed.Token);

    public ExternalProvider? Find(string slug) => _current.FirstOrDefault(p => p.Slug == slug);

    public ExternalProvider? FindByRegistration(string? registrationId) => _current.FirstOrDefault(p => p.RegistrationId == registrationId);

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        var rows = await db.IdentityProviders.AsNoTracking().Where(p => p.Enabled).OrderBy(p => p.Slug).ToListAsync(cancellationToken);
        var fingerprint = string.Join(';', rows.Select(r => $"{r.Id:N}@{r.UpdatedAt.UtcTicks}"));
        if (fingerprint == _fingerprint)
        {
            return;
        }

        var providers = rows.Select(r => new ExternalProvider(r.Id, r.Slug, r.DisplayName, r.Kind, r.DiscoveryUrl, r.ClientId,
            secrets.Unprotect(SecretKind.IdentityProviderSecret, r.ProtectedClientSecret), r.ScopeList, r.TrustEmailVerification)).ToList();
        CancellationTokenSource previous;
        lock (_gate)
        {
            _current = providers;
            _fingerprint = fingerprint;
            previous = _changed;
            _changed = new CancellationTokenSource();
        }

        previous.Cancel();
        previous.Dispose();
    }

    /// <summary>The issuer a discovery address names: what precedes <c>/.well-known/openid-configuration</c>.</summary>
    public static Uri? IssuerOf(string discoveryUrl)
    {
        const string suffix = "/.well-known/openid-configuration";
        return discoveryUrl.EndsWith(suffix, StringComparison.Ordinal)
               && Uri.TryCreate(discoveryUrl[..^suffix.Length], UriKind.Absolute, out var issuer)
               && issuer.Scheme is "https" or "http" && string.IsNullOrEmpty(issuer.Query) && string.IsNullOrEmpty(issuer.Fragment)
            ? issuer
            : null;
    }
}

/// <summary>OpenIddict's client options from <see cref="ExternalProviders"/>, rebuilt whenever the providers change.</summary>
internal sealed class ExternalClientOptionsSetup(ExternalProviders providers, PublicLinks links, KeyEncryptionKey keyEncryptionKey)
    : IConfigureOptions<OpenIddictClientOptions>, IOptionsChangeTokenSource<OpenIddictClientOptions>
{
    public string Name => Options.DefaultName;

    public IChangeToken GetChangeToken() => providers.ChangeToken;

    public void Configure(OpenIddictClientOptions options)
    {
        // The state token that carries a flow from the challenge to the callback is protected by keys derived from the key
        // file: the same on every node (a flow may start on one and end on another), never ephemeral. A node still
        // waiting for its key file serves no external sign-in that another node could finish, which is all that loses.
        var derived = keyEncryptionKey.Exists;
        options.EncryptionCredentials.Clear();
        options.EncryptionCredentials.Add(new EncryptingCredentials(
            new SymmetricSecurityKey(derived ? keyEncryptionKey.DeriveKey("oidc-client-encryption") : System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))
            {
                KeyId = "warden-oidc-client-enc",
            },
            SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
        options.SigningCredentials.Clear();
        options.SigningCredentials.Add(new SigningCredentials(
            new SymmetricSecurityKey(derived ? keyEncryptionKey.DeriveKey("oidc-client-signing") : System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))
            {
                KeyId = "warden-oidc-client-sig",
            },
            SecurityAlgorithms.HmacSha256));

        // OpenIddict insists on a redirection endpoint for the code flow even with no provider configured: this one is never
        // any registration's (a slug cannot be "callback"), so it matches nothing a provider could send.
        options.RedirectionEndpointUris.Add(new Uri("account/login/external/callback", UriKind.Relative));
        options.Registrations.Clear();
        foreach (var provider in providers.Current)
        {
            if (Registration(provider) is { } registration)
            {
                // Matched by path whatever the host (the absolute address below is what the provider is told).
                options.RedirectionEndpointUris.Add(new Uri(ExternalPaths.Callback(provider.Slug).TrimStart('/'), UriKind.Relative));
                options.Registrations.Add(registration);
            }
        }
    }

    private OpenIddictClientRegistration? Registration(ExternalProvider provider)
    {
        var registration = new OpenIddictClientRegistration
        {
            RegistrationId = provider.RegistrationId,
            ProviderName = provider.Slug,
            ProviderDisplayName = provider.DisplayName,
            ClientId = provider.ClientId,
            ClientSecret = provider.ClientSecret,
            // One callback per provider (mix-up attacks: a response can only be taken for the provider it was sent to), at
            // Warden's public address, never the Host header's.
            RedirectUri = new Uri(links.Build(ExternalPaths.Callback(provider.Slug)), UriKind.Absolute),
        };
        registration.Scopes.UnionWith(provider.Scopes);
        if (provider.Kind == IdentityProviderKinds.Oidc)
        {
            if (provider.DiscoveryUrl is null || ExternalProviders.IssuerOf(provider.DiscoveryUrl) is not { } issuer)
            {
                return null; // refused when configured; never a registration OpenIddict would reject at start-up
            }

            registration.Issuer = issuer;
            registration.ConfigurationEndpoint = new Uri(provider.DiscoveryUrl, UriKind.Absolute);
            return registration;
        }

        return NamedProviders.Configure(registration, provider) ? registration : null;
    }
}

/// <summary>
/// Every call OpenIddict's client makes (discovery, keys, token, userinfo) goes through the one outbound guard: its
/// HTTP clients are named <c>OpenIddict.Client.SystemNetHttp:…</c>, and their primary handler is replaced, last, by the
/// guarded handler every configured address gets (<see cref="OutboundHttpSetup"/>): the address checked is the one
/// connected to, no proxy, no redirects, no cookies.
/// </summary>
internal sealed class GuardOpenIddictClientHttp(IOptions<NetworkOptions> network) : IPostConfigureOptions<HttpClientFactoryOptions>
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    public void PostConfigure(string? name, HttpClientFactoryOptions options)
    {
        if (name is null || !name.StartsWith(typeof(OpenIddict.Client.SystemNetHttp.OpenIddictClientSystemNetHttpOptions).Assembly.GetName().Name!, StringComparison.Ordinal))
        {
            return;
        }

        options.HttpMessageHandlerBuilderActions.Add(builder =>
            builder.PrimaryHandler = OutboundHttpSetup.CreateHandler(network.Value, ConnectTimeout));
    }
}
