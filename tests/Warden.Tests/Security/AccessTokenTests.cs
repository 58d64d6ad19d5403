using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Security;
using Warden.Tests.Infrastructure;
using static Warden.Tests.Security.TokenForgery;

namespace Warden.Tests.Security;

public sealed class AccessTokenTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private AccessTokenService Tokens
    {
        get
        {
            _ = factory.Server;
            return factory.Services.GetRequiredService<AccessTokenService>();
        }
    }

    private async Task<string> IssueAsync() => (await Tokens.IssueAsync(Subject())).Token;

    [Fact]
    public async Task IssuedTokenHasTheContractHeaderAndClaims()
    {
        var subject = Subject();
        var issued = await Tokens.IssueAsync(subject);
        var (header, payload, _) = Split(issued.Token);

        Assert.Equal("RS256", (string?)header["alg"]);
        Assert.Equal("at+jwt", (string?)header["typ"]);
        Assert.False(string.IsNullOrEmpty((string?)header["kid"]));
        Assert.Equal(WardenFactory.PublicBaseUrl, (string?)payload["iss"]);
        Assert.Equal("warden", (string?)payload["aud"]);
        Assert.Equal(subject.UserId.ToString(), (string?)payload["sub"]);
        Assert.Equal(subject.SessionId.ToString(), (string?)payload["sid"]);
        Assert.Equal(issued.Id, (string?)payload["jti"]);
        Assert.Equal("ada@example.com", (string?)payload["email"]);
        Assert.True((bool)payload["email_verified"]!);
        Assert.Equal("Ada Lovelace", (string?)payload["name"]);
        Assert.Equal(["user", "moderator"], payload["roles"]!.AsArray().Select(r => (string)r!));
        Assert.Equal(["read:own", "write:own", "read:all"], payload["permissions"]!.AsArray().Select(r => (string)r!));
        Assert.Equal(["pwd", "otp"], payload["amr"]!.AsArray().Select(r => (string)r!));
        Assert.Equal(1_700_000_000, (long)payload["auth_time"]!);
        var now = factory.Time.GetUtcNow().ToUnixTimeSeconds();
        Assert.Equal(now, (long)payload["iat"]!);
        Assert.Equal(now, (long)payload["nbf"]!);
        Assert.Equal(now + 900, (long)payload["exp"]!);
        Assert.Equal(now + 900, issued.ExpiresAt.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task ValidTokenYieldsItsClaimsUnderTheirJwtNames()
    {
        var subject = Subject();
        var identity = await Tokens.ValidateAsync((await Tokens.IssueAsync(subject)).Token);

        Assert.NotNull(identity);
        Assert.Equal(subject.UserId.ToString(), identity.FindFirst("sub")?.Value);
        Assert.Equal(subject.UserId.ToString(), identity.Name);
        Assert.Equal(subject.SessionId.ToString(), identity.FindFirst("sid")?.Value);
        Assert.NotNull(identity.FindFirst("jti"));
        Assert.Equal(["pwd", "otp"], identity.FindAll("amr").Select(c => c.Value));
        Assert.True(new ClaimsPrincipal(identity).IsInRole("moderator"));
        Assert.Equal(3, identity.FindAll("permissions").Count());
    }

    [Fact]
    public async Task TokenWithoutNameHasNoNameClaim()
    {
        var (_, payload, _) = Split((await Tokens.IssueAsync(Subject(name: null))).Token);
        Assert.False(payload.ContainsKey("name"));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("None")]
    [InlineData("NONE")]
    [InlineData("nOnE")]
    public async Task AlgNoneIsRejectedInAnyLetterCase(string alg)
    {
        var (header, payload, signature) = Split(await IssueAsync());
        header["alg"] = alg;

        Assert.Null(await Tokens.ValidateAsync(Join(header, payload, "")));
        Assert.Null(await Tokens.ValidateAsync(Join(header, payload, signature)));
        header.Remove("kid");
        Assert.Null(await Tokens.ValidateAsync(Join(header, payload, "")));
    }

    [Fact]
    public async Task StrippedSignatureIsRejected()
    {
        var token = await IssueAsync();
        Assert.Null(await Tokens.ValidateAsync(token[..(token.LastIndexOf('.') + 1)]));
        Assert.Null(await Tokens.ValidateAsync(token[..token.LastIndexOf('.')]));
    }

    [Fact]
    public async Task AlteredSignatureOrPayloadIsRejected()
    {
        var token = await IssueAsync();
        var (header, payload, signature) = Split(token);
        var flipped = (signature[5] == 'A' ? 'B' : 'A');
        Assert.Null(await Tokens.ValidateAsync(Join(header, payload, signature[..5] + flipped + signature[6..])));

        payload["roles"] = new JsonArray("admin");
        Assert.Null(await Tokens.ValidateAsync(Join(header, payload, signature)));
    }

    [Fact]
    public async Task Hs256SignedWithThePublicKeyIsRejected()
    {
        var token = await IssueAsync();
        var (header, payload, _) = Split(token);
        var publicKey = (await TokenForgery.WardenPrivateKeyAsync(factory)).ExportParameters(false);
        using var rsa = RSA.Create(publicKey);
        header["alg"] = "HS256";

        // The classic confusion attack: every form the public key is published or stored in, as an HMAC secret.
        foreach (var secret in new[]
        {
            rsa.ExportSubjectPublicKeyInfo(),
            Encoding.ASCII.GetBytes(rsa.ExportSubjectPublicKeyInfoPem()),
            rsa.ExportRSAPublicKey(),
            publicKey.Modulus!,
        })
        {
            Assert.Null(await Tokens.ValidateAsync(SignHs256(header, payload, secret)));
        }
    }

    [Theory]
    [InlineData("jwk")]
    [InlineData("jku")]
    [InlineData("x5u")]
    [InlineData("x5c")]
    public async Task TokenBringingItsOwnKeyIsRejected(string member)
    {
        var (header, payload, _) = Split(await IssueAsync());
        using var attacker = RSA.Create(2048);
        var parameters = attacker.ExportParameters(false);
        header[member] = member switch
        {
            "jwk" => new JsonObject
            {
                ["kty"] = "RSA",
                ["kid"] = (string?)header["kid"],
                ["n"] = System.Buffers.Text.Base64Url.EncodeToString(parameters.Modulus),
                ["e"] = System.Buffers.Text.Base64Url.EncodeToString(parameters.Exponent),
            },
            "x5c" => new JsonArray(Convert.ToBase64String(attacker.ExportSubjectPublicKeyInfo())),
            _ => "https://attacker.example/keys.json",
        };

        // Signed by the attacker's key (the one the header points to) and by Warden's own key: both refused.
        Assert.Null(await Tokens.ValidateAsync(SignRs256(header, payload, attacker)));
        Assert.Null(await Tokens.ValidateAsync(SignRs256(header, payload, await TokenForgery.WardenPrivateKeyAsync(factory))));
    }

    [Fact]
    public async Task UnknownKidOrForeignKeyIsRejected()
    {
        var (header, payload, _) = Split(await IssueAsync());
        using var attacker = RSA.Create(2048);

        Assert.Null(await Tokens.ValidateAsync(SignRs256(header, payload, attacker))); // Warden's kid, foreign signature
        header["kid"] = "attacker-key";
        Assert.Null(await Tokens.ValidateAsync(SignRs256(header, payload, attacker)));
        Assert.Null(await Tokens.ValidateAsync(SignRs256(header, payload, await TokenForgery.WardenPrivateKeyAsync(factory))));
        header.Remove("kid");
        Assert.Null(await Tokens.ValidateAsync(SignRs256(header, payload, await TokenForgery.WardenPrivateKeyAsync(factory))));
    }

    [Fact]
    public async Task ForgeryHarnessProducesTokensWardenAccepts()
    {
        // Guards the tests below: a token rebuilt with Warden's key and nothing changed is valid, so each
        // rejection there is caused by the one thing that test changes.
        var (header, payload, _) = Split(await IssueAsync());
        Assert.NotNull(await Tokens.ValidateAsync(SignRs256(header, payload, await TokenForgery.WardenPrivateKeyAsync(factory))));
    }

    [Theory]
    [InlineData("aud", "another-service")]
    [InlineData("iss", "https://attacker.example")]
    [InlineData("iss", "https://warden.test/")]
    public async Task WrongAudienceOrIssuerIsRejected(string claim, string value)
    {
        var (header, payload, _) = Split(await IssueAsync());
        payload[claim] = value;
        Assert.Null(await Tokens.ValidateAsync(SignRs256(header, payload, await TokenForgery.WardenPrivateKeyAsync(factory))));
    }

    [Theory]
    [InlineData("JWT")]
    [InlineData("AT+JWT")]
    [InlineData("application/jwt")]
    [InlineData(null)]
    public async Task WrongTypeIsRejected(string? typ)
    {
        var (header, payload, _) = Split(await IssueAsync());
        if (typ is null)
        {
            header.Remove("typ");
        }
        else
        {
            header["typ"] = typ;
        }

        Assert.Null(await Tokens.ValidateAsync(SignRs256(header, payload, await TokenForgery.WardenPrivateKeyAsync(factory))));
    }

    [Fact]
    public async Task ExpiredOrNotYetValidOrUnboundedTokenIsRejected()
    {
        var key = await TokenForgery.WardenPrivateKeyAsync(factory);
        var (header, payload, _) = Split(await IssueAsync());
        var now = factory.Time.GetUtcNow().ToUnixTimeSeconds();

        var expired = payload.Copy();
        expired["exp"] = now;
        Assert.Null(await Tokens.ValidateAsync(SignRs256(header, expired, key)));

        var future = payload.Copy();
        future["nbf"] = now + 600;
        Assert.Null(await Tokens.ValidateAsync(SignRs256(header, future, key)));

        var unbounded = payload.Copy();
        unbounded.Remove("exp");
        Assert.Null(await Tokens.ValidateAsync(SignRs256(header, unbounded, key)));
    }

    [Fact]
    public async Task AnAcceptedTokenIsRefusedAgainOnceItExpires()
    {
        var issued = await Tokens.IssueAsync(Subject());
        Assert.NotNull(await Tokens.ValidateAsync(issued.Token));
        Assert.NotNull(await Tokens.ValidateAsync(issued.Token)); // the second time from what the first check remembered

        factory.Time.Set(issued.ExpiresAt);

        Assert.Null(await Tokens.ValidateAsync(issued.Token));
    }

    [Fact]
    public async Task AnAlteredCopyOfAnAcceptedTokenIsStillRejected()
    {
        var token = await IssueAsync();
        Assert.NotNull(await Tokens.ValidateAsync(token));
        var (header, payload, signature) = Split(token);
        var flipped = (signature[5] == 'A' ? 'B' : 'A');

        Assert.Null(await Tokens.ValidateAsync(Join(header, payload, signature[..5] + flipped + signature[6..])));
        payload["roles"] = new JsonArray("admin");
        Assert.Null(await Tokens.ValidateAsync(Join(header, payload, signature)));
        Assert.Null(await Tokens.ValidateAsync(token + "A"));
    }

    [Fact]
    public async Task EachAcceptanceHandsOutItsOwnIdentity()
    {
        var token = await IssueAsync();
        Assert.NotNull(await Tokens.ValidateAsync(token));
        var remembered = await Tokens.ValidateAsync(token);
        remembered!.AddClaim(new Claim("roles", "admin"));

        var next = await Tokens.ValidateAsync(token);

        Assert.NotNull(next);
        Assert.DoesNotContain(next.FindAll("roles"), c => c.Value == "admin");
    }

    [Fact]
    public async Task DuplicateHeaderMembersAreRejected()
    {
        var (header, payload, _) = Split(await IssueAsync());
        var json = header.ToJsonString().TrimEnd('}') + ",\"alg\":\"none\"}";
        Assert.Null(await Tokens.ValidateAsync(SignRs256(json, payload, await TokenForgery.WardenPrivateKeyAsync(factory))));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a token")]
    [InlineData("a.b.c")]
    [InlineData("..")]
    [InlineData("e30.e30.")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.e30.e30.e30.e30")]
    public async Task GarbageIsRejectedWithoutAnException(string token)
    {
        Assert.Null(await Tokens.ValidateAsync(token));
    }
}

public sealed class ConfiguredAccessTokenTests : IDisposable
{
    private readonly WardenFactory _factory = new WardenFactory()
        .With("Warden:Tokens:Issuer", "https://id.example.com")
        .With("Warden:Tokens:Audience", "orders-api")
        .With("Warden:Tokens:AccessTokenLifetime", "00:05:00");

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task IssuerAudienceAndLifetimeComeFromConfiguration()
    {
        _ = _factory.Server;
        var tokens = _factory.Services.GetRequiredService<AccessTokenService>();
        var issued = await tokens.IssueAsync(Subject());
        var (_, payload, _) = Split(issued.Token);

        Assert.Equal("https://id.example.com", (string?)payload["iss"]);
        Assert.Equal("orders-api", (string?)payload["aud"]);
        Assert.Equal((long)payload["iat"]! + 300, (long)payload["exp"]!);
        Assert.Equal((long)payload["exp"]!, issued.ExpiresAt.ToUnixTimeSeconds());
        Assert.NotNull(await tokens.ValidateAsync(issued.Token));

        _factory.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(await tokens.ValidateAsync(issued.Token));
    }
}
