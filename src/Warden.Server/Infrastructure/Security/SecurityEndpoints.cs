using System.Buffers.Text;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Warden.Server.Infrastructure.Security;

public static class SecurityEndpoints
{
    /// <summary>A public RSA signing key (RFC 7517). Only the public members exist on this type, so a private one cannot leak.</summary>
    public sealed record PublicJsonWebKey(string Kty, string Use, string Alg, string Kid, string N, string E);

    public sealed record JsonWebKeySet(IReadOnlyList<PublicJsonWebKey> Keys);

    public static RouteGroupBuilder MapDiscoveryEndpoints(this RouteGroupBuilder wellKnown)
    {
        wellKnown.MapGet("/jwks.json", GetJwksAsync)
            .WithName("Jwks")
            .WithTags("Discovery")
            .WithSummary("The public keys that verify Warden's access tokens.")
            .AllowAnonymous();
        return wellKnown;
    }

    private static async Task<Ok<JsonWebKeySet>> GetJwksAsync(SigningKeyStore keys, HttpResponse response, CancellationToken cancellationToken)
    {
        var published = await keys.GetPublishedKeysAsync(cancellationToken);

        // Five minutes: a successor key is published at least two refresh intervals (ten minutes by default)
        // before it signs, so clients caching this long still see it in time.
        response.Headers.CacheControl = "public, max-age=300";
        return TypedResults.Ok(new JsonWebKeySet([.. published.Select(k => new PublicJsonWebKey(
            "RSA",
            "sig",
            SigningKeyStore.Algorithm,
            k.KeyId,
            Base64Url.EncodeToString(k.Parameters.Modulus),
            Base64Url.EncodeToString(k.Parameters.Exponent)))]));
    }
}
