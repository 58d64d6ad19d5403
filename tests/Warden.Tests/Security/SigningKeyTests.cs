using System.Buffers.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Security;
using Warden.Tests.Infrastructure;
using static Warden.Tests.Security.TokenForgery;

namespace Warden.Tests.Security;

public sealed class SigningKeyTests : IDisposable
{
    private readonly WardenFactory _factory = new WardenFactory()
        .With("Warden:Tokens:KeyRotationInterval", "01:00:00")
        .With("Warden:Tokens:KeyRefreshInterval", "00:05:00");

    public void Dispose() => _factory.Dispose();

    private AccessTokenService Tokens => _factory.Services.GetRequiredService<AccessTokenService>();

    private async Task<List<string>> PublishedKidsAsync(HttpClient client)
    {
        var jwks = await (await client.GetAsync("/.well-known/jwks.json")).ReadJsonAsync();
        return [.. jwks.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!)];
    }

    private static string Kid(string token) => (string)Split(token).Header["kid"]!;

    [Fact]
    public async Task JwksPublishesPublicParametersOnly()
    {
        var client = _factory.CreateClient();
        var response = await client.GetAsync("/.well-known/jwks.json");
        var body = await response.Content.ReadAsStringAsync();
        var jwks = await response.ReadJsonAsync();

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var maxAge = response.Headers.CacheControl?.MaxAge;
        Assert.True(maxAge >= TimeSpan.FromMinutes(1) && maxAge <= TimeSpan.FromMinutes(10), $"Cache-Control: {response.Headers.CacheControl}");
        var keys = jwks.GetProperty("keys").EnumerateArray().ToList();
        Assert.Single(keys);
        foreach (var key in keys)
        {
            Assert.Equal(["alg", "e", "kid", "kty", "n", "use"], key.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.Equal("RSA", key.GetProperty("kty").GetString());
            Assert.Equal("RS256", key.GetProperty("alg").GetString());
            Assert.Equal("sig", key.GetProperty("use").GetString());
            Assert.Equal(256, Base64Url.DecodeFromChars(key.GetProperty("n").GetString()).Length); // 2048 bits
        }

        foreach (var member in new[] { "\"d\"", "\"p\"", "\"q\"", "\"dp\"", "\"dq\"", "\"qi\"", "\"oth\"", "\"k\"" })
        {
            Assert.DoesNotContain(member, body, StringComparison.Ordinal);
        }

        // The token's kid is the published one, and the private part is stored only in protected form.
        var token = (await Tokens.IssueAsync(Subject())).Token;
        Assert.Equal(keys[0].GetProperty("kid").GetString(), Kid(token));
        await _factory.InDbAsync(async db =>
        {
            var stored = await db.SigningKeys.SingleAsync();
            Assert.Equal("RS256", stored.Algorithm);
            Assert.DoesNotContain("MII", stored.ProtectedPrivateKey, StringComparison.Ordinal); // no DER in base64
            Assert.StartsWith("CfDJ8", stored.ProtectedPrivateKey, StringComparison.Ordinal); // a Data Protection payload
        });
    }

    [Fact]
    public async Task JwksIsAnonymousAndDescribedInOpenApi()
    {
        var client = _factory.CreateClient();
        var openApi = await (await client.GetAsync("/openapi/v1.json")).ReadJsonAsync();
        var operation = openApi.GetProperty("paths").GetProperty("/.well-known/jwks.json").GetProperty("get");
        Assert.Equal("Jwks", operation.GetProperty("operationId").GetString());
        Assert.NotEmpty(operation.GetProperty("tags").EnumerateArray());
    }

    [Fact]
    public async Task TokenSignedBeforeRotationValidatesUntilItExpiresAndNotAfter()
    {
        var start = _factory.Time.GetUtcNow();
        var client = _factory.CreateClient();
        var first = await Tokens.IssueAsync(Subject());

        // Just before the first key retires (after an hour), then just after it.
        _factory.Time.Advance(TimeSpan.FromMinutes(55));
        var beforeRotation = await Tokens.IssueAsync(Subject());
        Assert.Equal(Kid(first.Token), Kid(beforeRotation.Token));
        _factory.Time.Advance(TimeSpan.FromMinutes(6));
        var afterRotation = await Tokens.IssueAsync(Subject());
        Assert.NotEqual(Kid(beforeRotation.Token), Kid(afterRotation.Token));

        // Both keys are published and both tokens are valid while the older one has not expired.
        Assert.Null(await Tokens.ValidateAsync(first.Token));
        Assert.NotNull(await Tokens.ValidateAsync(beforeRotation.Token));
        Assert.NotNull(await Tokens.ValidateAsync(afterRotation.Token));
        Assert.Equal([Kid(afterRotation.Token), Kid(beforeRotation.Token)], await PublishedKidsAsync(client));

        _factory.Time.Set(beforeRotation.ExpiresAt - TimeSpan.FromSeconds(1));
        Assert.NotNull(await Tokens.ValidateAsync(beforeRotation.Token));
        _factory.Time.Set(beforeRotation.ExpiresAt);
        Assert.Null(await Tokens.ValidateAsync(beforeRotation.Token));
        Assert.NotNull(await Tokens.ValidateAsync((await Tokens.IssueAsync(Subject())).Token));

        // The retired key stays published until the last token it could have signed (just before it retired)
        // has expired, plus a margin for clock differences between nodes; then it is withdrawn.
        var withdrawn = start + TimeSpan.FromHours(1) + TimeSpan.FromMinutes(15) + SigningKeyStore.ExpiryMargin;
        _factory.Time.Set(withdrawn - TimeSpan.FromSeconds(1));
        Assert.Equal(2, (await PublishedKidsAsync(client)).Count);
        _factory.Time.Set(withdrawn);
        Assert.Equal([Kid(afterRotation.Token)], await PublishedKidsAsync(client));
    }

    [Fact]
    public async Task SuccessorIsPublishedBeforeItSigns()
    {
        var client = _factory.CreateClient();
        var store = _factory.Services.GetRequiredService<SigningKeyStore>();
        var current = Kid((await Tokens.IssueAsync(Subject())).Token);

        // Within two refresh intervals of retirement, maintenance creates the successor; it is published at
        // once (every node and JWKS client has it before it signs), but the current key keeps signing.
        _factory.Time.Advance(TimeSpan.FromMinutes(51));
        await store.EnsureKeysAsync();
        var published = await PublishedKidsAsync(client);
        Assert.Equal(2, published.Count);
        Assert.Equal(current, Kid((await Tokens.IssueAsync(Subject())).Token));

        _factory.Time.Advance(TimeSpan.FromMinutes(9));
        var successor = Kid((await Tokens.IssueAsync(Subject())).Token);
        Assert.NotEqual(current, successor);
        Assert.Contains(successor, published);

        await store.EnsureKeysAsync();
        Assert.Equal(2, (await PublishedKidsAsync(client)).Count);
    }

    [Fact]
    public async Task RestartingKeepsTheKeys()
    {
        var kids = await PublishedKidsAsync(_factory.CreateClient());
        var token = (await Tokens.IssueAsync(Subject())).Token;

        using var restarted = WardenFactory.OnExistingStorage(_factory.DataDirectory, _factory.ConnectionString);
        restarted.Time.Set(_factory.Time.GetUtcNow());
        Assert.Equal(kids, await PublishedKidsAsync(restarted.CreateClient()));
        Assert.NotNull(await restarted.Services.GetRequiredService<AccessTokenService>().ValidateAsync(token));
    }
}
