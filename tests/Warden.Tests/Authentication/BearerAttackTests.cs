using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Warden.Tests.Infrastructure;
using Warden.Tests.Security;

namespace Warden.Tests.Authentication;

/// <summary>
/// The JWT attack list against a real endpoint, each forged from a genuine token of a live session, so the
/// only thing wrong with it is the attack itself.
/// </summary>
public sealed class BearerAttackTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task ForgedVariantsOfALiveTokenAreAllRefused()
    {
        var client = factory.CreateClient();
        var (_, tokens) = await factory.SignedInUserAsync(client);
        Assert.Equal(HttpStatusCode.OK, (await GetPresentingAsync(client, "/api/v1/users/me", tokens.AccessToken)).StatusCode);

        var (header, payload, signature) = TokenForgery.Split(tokens.AccessToken);
        var attacker = RSA.Create(2048);
        var publicKey = (await TokenForgery.WardenPrivateKeyAsync(factory)).ExportSubjectPublicKeyInfo();

        var elevated = payload.Copy();
        elevated["permissions"] = new JsonArray("admin:system", "admin:users");
        var withJwk = header.Copy();
        withJwk["jwk"] = JsonNode.Parse($$"""{"kty":"RSA","n":"{{Convert.ToBase64String(attacker.ExportParameters(false).Modulus!)}}","e":"AQAB"}""");
        var unknownKid = header.Copy();
        unknownKid["kid"] = "attacker-key";

        var forgeries = new Dictionary<string, string>
        {
            ["alg none"] = TokenForgery.Join(new JsonObject { ["alg"] = "none", ["typ"] = "at+jwt", ["kid"] = header["kid"]!.GetValue<string>() }, payload, ""),
            ["alg NoNe"] = TokenForgery.Join(new JsonObject { ["alg"] = "NoNe", ["typ"] = "at+jwt" }, payload, ""),
            ["stripped signature"] = TokenForgery.Join(header, payload, ""),
            ["altered payload"] = TokenForgery.Join(header, elevated, signature),
            ["altered signature"] = TokenForgery.Join(header, payload, signature[..^4] + (signature[^4..] == "AAAA" ? "BBBB" : "AAAA")),
            ["HS256 with the public key"] = TokenForgery.SignHs256(new JsonObject { ["alg"] = "HS256", ["typ"] = "at+jwt", ["kid"] = header["kid"]!.GetValue<string>() }, elevated, publicKey),
            ["embedded jwk"] = TokenForgery.SignRs256(withJwk, elevated, attacker),
            ["unknown kid"] = TokenForgery.SignRs256(unknownKid, elevated, attacker),
        };

        foreach (var (name, forged) in forgeries)
        {
            var response = await GetPresentingAsync(client, "/api/v1/users/me", forged);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{name} was accepted");
            await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
        }

        factory.Time.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));
        try
        {
            await (await GetPresentingAsync(client, "/api/v1/users/me", tokens.AccessToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
        }
        finally
        {
            factory.Time.Advance(-(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1)));
        }
    }

    /// <summary>Presents <paramref name="token"/>, whatever it holds, exactly as an attacker would put it on the wire.</summary>
    private static async Task<HttpResponseMessage> GetPresentingAsync(HttpClient client, string url, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }
}
