using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using Warden.Server.Infrastructure.Security;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Security;

/// <summary>What an attacker does to a token: take it apart, change it, and put it back together.</summary>
internal static class TokenForgery
{
    public static AccessTokenSubject Subject(string? name = "Ada Lovelace") => new(
        Guid.CreateVersion7(),
        Guid.CreateVersion7(),
        "ada@example.com",
        true,
        name,
        ["user", "moderator"],
        ["read:own", "write:own", "read:all"],
        ["pwd", "otp"],
        DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    public static (JsonObject Header, JsonObject Payload, string Signature) Split(string token)
    {
        var parts = token.Split('.');
        return (Decode(parts[0]), Decode(parts[1]), parts[2]);
    }

    public static JsonObject Decode(string segment) => JsonNode.Parse(Base64Url.DecodeFromChars(segment))!.AsObject();

    public static string Encode(JsonNode node) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(node.ToJsonString()));

    public static string Join(JsonNode header, JsonNode payload, string signature) => $"{Encode(header)}.{Encode(payload)}.{signature}";

    public static string SignRs256(string headerJson, JsonNode payload, RSA key)
    {
        var input = $"{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(headerJson))}.{Encode(payload)}";
        return input + "." + Base64Url.EncodeToString(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    public static string SignRs256(JsonNode header, JsonNode payload, RSA key) => SignRs256(header.ToJsonString(), payload, key);

    public static string SignHs256(JsonNode header, JsonNode payload, byte[] secret)
    {
        var input = $"{Encode(header)}.{Encode(payload)}";
        return input + "." + Base64Url.EncodeToString(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(input)));
    }

    /// <summary>Warden's own current private key, to build tokens whose only fault is a claim.</summary>
    public static async Task<RSA> WardenPrivateKeyAsync(WardenFactory factory)
    {
        var credentials = await factory.Services.GetRequiredService<SigningKeyStore>().GetSigningCredentialsAsync(CancellationToken.None);
        return ((RsaSecurityKey)credentials.Key).Rsa;
    }

    public static JsonObject Copy(this JsonObject node) => JsonNode.Parse(node.ToJsonString())!.AsObject();
}
