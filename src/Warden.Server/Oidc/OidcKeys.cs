using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using Warden.Server.Infrastructure.Security;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Warden.Server.Oidc;

/// <summary>
/// One key set and one issuer. OpenIddict's options are fed from Warden's <see cref="SigningKeyStore"/> (rebuilt by
/// the store's change token whenever its keys change, so rotation needs no restart) and its issuer is Warden's,
/// byte for byte: a <see cref="Uri"/> made without canonicalisation keeps <c>https://host</c> from becoming
/// <c>https://host/</c> in OpenIddict's documents and tokens.
/// </summary>
internal sealed class OidcServerOptionsSetup(SigningKeyStore keys, AccessTokenService accessTokens, KeyEncryptionKey keyEncryptionKey)
    : IConfigureOptions<OpenIddictServerOptions>, IOptionsChangeTokenSource<OpenIddictServerOptions>
{
    public string Name => Options.DefaultName;

    public IChangeToken GetChangeToken() => keys.ChangeToken;

    public static Uri IssuerUri(string issuer) =>
        new(issuer, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

    public void Configure(OpenIddictServerOptions options)
    {
        options.Issuer = IssuerUri(accessTokens.Issuer);

        var published = keys.Snapshot();
        if (published.Count == 0)
        {
            // Only before the keys are loaded (start-up loads them; a node waiting for its migrations has none yet). OpenIddict
            // insists on a key: this one's private half is discarded at once, so it can validate nothing and sign nothing
            // (SignWithCurrentKey signs), and the store's change token rebuilds these options when the real keys load.
            using var placeholder = System.Security.Cryptography.RSA.Create(2048);
            published = [new RsaSecurityKey(placeholder.ExportParameters(includePrivateParameters: false)) { KeyId = "warden-no-key-yet" }];
        }

        // Public keys only: they validate tokens (userinfo, introspection, id_token_hint). Which key signs is decided
        // per token by SignWithCurrentKey, so a pre-published successor never signs early and a retired key never signs.
        options.SigningCredentials.Clear();
        foreach (var key in published)
        {
            options.SigningCredentials.Add(new SigningCredentials(key, SigningKeyStore.Algorithm));
        }

        // OpenIddict requires an encryption key although nothing it issues is encrypted here (access tokens are
        // signed JWTs, codes and refresh tokens are Data Protection payloads): derived from the key file, so it is
        // the same on every node and never ephemeral.
        // (A node waiting for its migrations may not have the key file yet: it serves no token then, and these options are
        // rebuilt when its signing keys load.)
        options.EncryptionCredentials.Clear();
        var encryptionKey = keyEncryptionKey.Exists ? keyEncryptionKey.DeriveKey("oidc-encryption") : System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        options.EncryptionCredentials.Add(new EncryptingCredentials(
            new SymmetricSecurityKey(encryptionKey) { KeyId = "warden-oidc-enc" },
            SecurityAlgorithms.Aes256KW,
            SecurityAlgorithms.Aes256CbcHmacSha512));
    }
}

/// <summary>Every JWT OpenIddict signs is signed by the key Warden signs with now (the per-token key resolver OpenIddict lacks).</summary>
internal sealed class SignWithCurrentKey(SigningKeyStore keys) : IOpenIddictServerHandler<GenerateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
        .UseSingletonHandler<SignWithCurrentKey>()
        .SetOrder(OpenIddictServerHandlers.Protection.AttachSecurityCredentials.Descriptor.Order + 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(GenerateTokenContext context)
    {
        if (context.SigningCredentials is not null)
        {
            context.SigningCredentials = await keys.GetSigningCredentialsAsync(context.CancellationToken);
        }
    }
}

/// <summary>
/// Discovery names Warden's one JWKS (<c>/.well-known/jwks.json</c>: OpenIddict does not serve a second one), and every
/// endpoint under the issuer (Warden's public address), never under whatever host the request came in on.
/// </summary>
internal sealed class PublishWardenEndpoints : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
        .UseSingletonHandler<PublishWardenEndpoints>()
        .SetOrder(OpenIddictServerHandlers.Discovery.AttachEndpoints.Descriptor.Order + 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        var issuer = context.Options.Issuer!.AbsoluteUri.TrimEnd('/');
        context.JsonWebKeySetEndpoint = new Uri(issuer + "/.well-known/jwks.json", UriKind.Absolute);
        context.AuthorizationEndpoint = new Uri(issuer + OidcSetup.AuthorizePath, UriKind.Absolute);
        context.TokenEndpoint = new Uri(issuer + OidcSetup.TokenPath, UriKind.Absolute);
        context.UserInfoEndpoint = new Uri(issuer + OidcSetup.UserInfoPath, UriKind.Absolute);
        context.EndSessionEndpoint = new Uri(issuer + OidcSetup.EndSessionPath, UriKind.Absolute);
        context.IntrospectionEndpoint = new Uri(issuer + OidcSetup.IntrospectionPath, UriKind.Absolute);
        context.RevocationEndpoint = new Uri(issuer + OidcSetup.RevocationPath, UriKind.Absolute);
        return ValueTask.CompletedTask;
    }
}
