using Warden.Server.Passwords;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Passwords;

public sealed class PasswordPolicyEndpointTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task AnyoneCanReadTheDefaultPolicy()
    {
        var body = await (await factory.CreateClient().GetAsync("/api/v1/auth/password-policy")).ReadJsonAsync();

        Assert.Equal(8, body.GetProperty("minLength").GetInt32());
        Assert.Equal(128, body.GetProperty("maxLength").GetInt32());
        Assert.True(body.GetProperty("requireUppercase").GetBoolean());
        Assert.True(body.GetProperty("requireLowercase").GetBoolean());
        Assert.True(body.GetProperty("requireDigit").GetBoolean());
        Assert.True(body.GetProperty("requireSpecial").GetBoolean());
        Assert.True(body.GetProperty("blockCommonPasswords").GetBoolean());
        Assert.Equal(4, body.GetProperty("minEmailLocalPartLength").GetInt32());
        Assert.Equal(5, body.GetProperty("historyCount").GetInt32());
        Assert.Equal(90, body.GetProperty("maxAgeDays").GetInt32());
        Assert.Equal(7, body.GetProperty("expiryReminderDays").GetInt32());
        var rules = body.GetProperty("rules").EnumerateArray().ToList();
        Assert.Equal(PasswordRules.All.Order(), rules.Select(r => r.GetProperty("code").GetString()!).Order());
        Assert.All(rules, r => Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("message").GetString())));
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesThePolicyEndpoint()
    {
        var body = await (await factory.CreateClient().GetAsync("/openapi/v1.json")).ReadJsonAsync();
        var operation = body.GetProperty("paths").GetProperty("/api/v1/auth/password-policy").GetProperty("get");
        Assert.Equal("GetPasswordPolicy", operation.GetProperty("operationId").GetString());
    }
}

public sealed class ConfiguredPasswordPolicyTests : IDisposable
{
    private readonly WardenFactory _factory = new WardenFactory()
        .With("Warden:Passwords:MinLength", "12")
        .With("Warden:Passwords:RequireSpecial", "false")
        .With("Warden:Passwords:BlockCommonPasswords", "false")
        .With("Warden:Passwords:HistoryCount", "0")
        .With("Warden:Passwords:MaxAge", "0");

    [Fact]
    public async Task ThePolicyEndpointDescribesTheConfiguredRules()
    {
        var body = await (await _factory.CreateClient().GetAsync("/api/v1/auth/password-policy")).ReadJsonAsync();

        Assert.Equal(12, body.GetProperty("minLength").GetInt32());
        Assert.False(body.GetProperty("requireSpecial").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("maxAgeDays").ValueKind);
        var codes = body.GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("code").GetString()).ToList();
        Assert.DoesNotContain(PasswordRules.RequiresSpecial, codes);
        Assert.DoesNotContain(PasswordRules.Common, codes);
        Assert.DoesNotContain(PasswordRules.Reused, codes);
        Assert.Contains("12 characters", body.GetProperty("rules")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    public void Dispose() => _factory.Dispose();
}
