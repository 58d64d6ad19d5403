using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Warden.Tests.Authentication.Passkeys;

/// <summary>
/// A minimal WebAuthn authenticator for API tests: ECDSA P-256 keys, attestation "none", discoverable credentials,
/// a sign count it can be told to set (a cloned key shows a count that goes backwards). Built from the spec's byte
/// layouts, not from Warden's or Identity's code, so it checks the server rather than agreeing with it.
/// </summary>
public sealed class SoftwareAuthenticator(string origin)
{
    public sealed class Credential(byte[] id, ECDsa key, string rpId, byte[] userHandle)
    {
        public byte[] Id { get; } = id;
        public ECDsa Key { get; } = key;
        public string RpId { get; } = rpId;
        public byte[] UserHandle { get; } = userHandle;
        public uint SignCount { get; set; }
        public string IdText => Base64Url.EncodeToString(Id);
    }

    public List<Credential> Credentials { get; } = [];

    public bool UserVerified { get; set; } = true;

    /// <summary>How much the sign count rises per assertion; 0 behaves like a synced passkey (the count stays 0).</summary>
    public uint CounterStep { get; set; } = 1;

    /// <summary>navigator.credentials.create(): the PublicKeyCredential JSON for the options, with a new credential.</summary>
    public JsonObject Create(JsonElement options, string? originOverride = null, string? rpIdOverride = null)
    {
        var rpId = rpIdOverride ?? options.GetProperty("rp").GetProperty("id").GetString()!;
        var userHandle = Base64Url.DecodeFromChars(options.GetProperty("user").GetProperty("id").GetString());
        var credential = new Credential(RandomNumberGenerator.GetBytes(16), ECDsa.Create(ECCurve.NamedCurves.nistP256), rpId, userHandle);
        Credentials.Add(credential);

        var parameters = credential.Key.ExportParameters(false);
        var coseKey = Cbor.Map(
            (Cbor.Int(1), Cbor.Int(2)), (Cbor.Int(3), Cbor.Int(-7)), (Cbor.Int(-1), Cbor.Int(1)),
            (Cbor.Int(-2), Cbor.Bytes(parameters.Q.X!)), (Cbor.Int(-3), Cbor.Bytes(parameters.Q.Y!)));
        byte[] authData =
        [
            .. SHA256.HashData(Encoding.UTF8.GetBytes(rpId)),
            (byte)(0x01 | (UserVerified ? 0x04 : 0) | 0x40),
            .. BigEndian(credential.SignCount),
            .. new byte[16],
            (byte)(credential.Id.Length >> 8), (byte)credential.Id.Length,
            .. credential.Id,
            .. coseKey,
        ];
        var attestationObject = Cbor.Map(
            (Cbor.Text("fmt"), Cbor.Text("none")), (Cbor.Text("attStmt"), Cbor.Map()), (Cbor.Text("authData"), Cbor.Bytes(authData)));
        var clientData = ClientData("webauthn.create", options.GetProperty("challenge").GetString()!, originOverride ?? origin);
        return new JsonObject
        {
            ["id"] = credential.IdText,
            ["rawId"] = credential.IdText,
            ["type"] = "public-key",
            ["authenticatorAttachment"] = "platform",
            ["clientExtensionResults"] = new JsonObject(),
            ["response"] = new JsonObject
            {
                ["clientDataJSON"] = Base64Url.EncodeToString(clientData),
                ["attestationObject"] = Base64Url.EncodeToString(attestationObject),
                ["transports"] = new JsonArray("internal"),
            },
        };
    }

    /// <summary>navigator.credentials.get(): an assertion by <paramref name="credential"/> (default: the first one this authenticator holds).</summary>
    public JsonObject Get(JsonElement options, Credential? credential = null, string? originOverride = null)
    {
        credential ??= Credentials[0];
        credential.SignCount += CounterStep;
        byte[] authData =
        [
            .. SHA256.HashData(Encoding.UTF8.GetBytes(credential.RpId)),
            (byte)(0x01 | (UserVerified ? 0x04 : 0)),
            .. BigEndian(credential.SignCount),
        ];
        var clientData = ClientData("webauthn.get", options.GetProperty("challenge").GetString()!, originOverride ?? origin);
        byte[] signed = [.. authData, .. SHA256.HashData(clientData)];
        var signature = credential.Key.SignData(signed, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return new JsonObject
        {
            ["id"] = credential.IdText,
            ["rawId"] = credential.IdText,
            ["type"] = "public-key",
            ["authenticatorAttachment"] = "platform",
            ["clientExtensionResults"] = new JsonObject(),
            ["response"] = new JsonObject
            {
                ["clientDataJSON"] = Base64Url.EncodeToString(clientData),
                ["authenticatorData"] = Base64Url.EncodeToString(authData),
                ["signature"] = Base64Url.EncodeToString(signature),
                ["userHandle"] = Base64Url.EncodeToString(credential.UserHandle),
            },
        };
    }

    private static byte[] ClientData(string type, string challenge, string origin) =>
        JsonSerializer.SerializeToUtf8Bytes(new { type, challenge, origin, crossOrigin = false });

    private static byte[] BigEndian(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>The few CBOR items (RFC 8949) an attestation object and a COSE key need.</summary>
    private static class Cbor
    {
        public static byte[] Int(int value) => value >= 0 ? Head(0, (ulong)value) : Head(1, (ulong)(-1 - value));

        public static byte[] Bytes(byte[] value) => [.. Head(2, (ulong)value.Length), .. value];

        public static byte[] Text(string value)
        {
            var utf8 = Encoding.UTF8.GetBytes(value);
            return [.. Head(3, (ulong)utf8.Length), .. utf8];
        }

        public static byte[] Map(params (byte[] Key, byte[] Value)[] entries) =>
            [.. Head(5, (ulong)entries.Length), .. entries.SelectMany(e => e.Key.Concat(e.Value))];

        private static byte[] Head(int major, ulong value) => value switch
        {
            < 24 => [(byte)((major << 5) | (int)value)],
            <= byte.MaxValue => [(byte)((major << 5) | 24), (byte)value],
            <= ushort.MaxValue => [(byte)((major << 5) | 25), (byte)(value >> 8), (byte)value],
            _ => [(byte)((major << 5) | 26), (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value],
        };
    }
}
