using Warden.Server;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Foundation;

/// <summary>
/// The server started as an operator starts it, with one bad setting: it must refuse (exit code 2) and name the
/// setting at fault. Each row is a rejected value: the setting, its value, what the message must name, and any
/// settings the rejection needs beside it.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConfigurationRejectionTests
{
    [Theory]
    // The address, network and database.
    [InlineData("Warden:PublicBaseUrl", "not a url", "Warden:PublicBaseUrl")]
    [InlineData("Warden:PublicBaseUrl", "ftp://warden.test", "Warden:PublicBaseUrl")]
    [InlineData("Warden:Network:TrustedProxies:0", "10.0.0.999", "Warden:Network:TrustedProxies:0")]
    // Trusting every sender would let a forged X-Forwarded-For dodge every IP rule and get victims blocked.
    [InlineData("Warden:Network:TrustedProxies:0", "0.0.0.0/0", "Warden:Network:TrustedProxies:0")]
    [InlineData("Warden:Network:TrustedProxies:0", "::/0", "Warden:Network:TrustedProxies:0")]
    [InlineData("Warden:Network:TrustedProxies:0", "::ffff:0.0.0.0/96", "Warden:Network:TrustedProxies:0")]
    [InlineData("Warden:IpRules:Deny:0", "10.1.2.3/8", "Warden:IpRules:Deny:0")]
    [InlineData("Warden:IpRules:Allow:0", "10.1", "Warden:IpRules:Allow:0")]
    [InlineData("Warden:IpRules:AutoBlockIdentifiers", "50", "Warden:IpRules:AutoBlockIdentifiers")]
    [InlineData("Warden:IpRules:RefreshInterval", "00:00:00", "Warden:IpRules:RefreshInterval")]
    [InlineData("Warden:Network:CorsAllowedOrigins:0", "https://app.example.com/path", "Warden:Network:CorsAllowedOrigins:0")]
    [InlineData("Warden:Network:MaxRequestBodyBytes", "10", "Warden:Network:MaxRequestBodyBytes")]
    [InlineData("Warden:Webhooks:AllowPrivateTargets", "true", "Warden:Network:AllowPrivateTargets")]
    [InlineData("Warden:Database:ConnectionString", "", "Warden:Database:ConnectionString")]
    [InlineData("Warden:Database:Provider", "Oracle", "Warden:Database:Provider")]
    // Audit, webhooks, RabbitMQ, metrics and the new sign-in notice.
    [InlineData("Warden:Audit:Retention", "00:10:00", "Warden:Audit:Retention")]
    [InlineData("Warden:Webhooks:MaxAttempts", "0", "Warden:Webhooks:MaxAttempts")]
    [InlineData("Warden:Webhooks:Timeout", "-00:00:01", "Warden:Webhooks:Timeout")]
    [InlineData("Warden:Webhooks:RetryMaxDelay", "00:00:01", "Warden:Webhooks:RetryMaxDelay")]
    [InlineData("Warden:RabbitMq:ConnectionString", "http://guest:hunter2-secret@rabbit/", "Warden:RabbitMq:ConnectionString")]
    [InlineData("Warden:RabbitMq:Timeout", "00:00:00", "Warden:RabbitMq:Timeout")]
    [InlineData("Warden:Metrics:AllowedNetworks:0", "10.0.0.0/99", "Warden:Metrics:AllowedNetworks:0")]
    [InlineData("Warden:Telemetry:OtlpEndpoint", "collector:4318", "Warden:Telemetry:OtlpEndpoint")]
    [InlineData("Warden:Telemetry:OtlpEndpoint", "ftp://collector:4318", "Warden:Telemetry:OtlpEndpoint")]
    [InlineData("Warden:Telemetry:SamplingRatio", "1.5", "Warden:Telemetry:SamplingRatio")]
    [InlineData("Warden:Notifications:NewSignInKnownFor", "00:00:01", "Warden:Notifications:NewSignInKnownFor")]
    // The password policy.
    [InlineData("Warden:Passwords:MinLength", "6", "Warden:Passwords:MinLength")]
    [InlineData("Warden:Passwords:MaxLength", "5000", "Warden:Passwords:MaxLength")]
    [InlineData("Warden:Passwords:HistoryCount", "-1", "Warden:Passwords:HistoryCount")]
    [InlineData("Warden:Passwords:MaxAge", "-1", "Warden:Passwords:MaxAge")]
    [InlineData("Warden:Passwords:ExpiryReminderDays", "90", "Warden:Passwords:ExpiryReminderDays")]
    // Tokens and password hashing.
    [InlineData("Warden:Tokens:AccessTokenLifetime", "00:00:10", "Warden:Tokens:AccessTokenLifetime")]
    [InlineData("Warden:Tokens:Audience", " ", "Warden:Tokens:Audience")]
    [InlineData("Warden:Tokens:Issuer", "not a url", "Warden:Tokens:Issuer")]
    [InlineData("Warden:Tokens:KeyRotationInterval", "00:10:00", "Warden:Tokens:KeyRotationInterval")]
    [InlineData("Warden:Tokens:KeyRefreshInterval", "00:00:01", "Warden:Tokens:KeyRefreshInterval")]
    [InlineData("Warden:PasswordHashing:Argon2MemoryKiB", "4", "Warden:PasswordHashing:Argon2MemoryKiB")]
    [InlineData("Warden:PasswordHashing:Argon2Iterations", "0", "Warden:PasswordHashing:Argon2Iterations")]
    [InlineData("Warden:PasswordHashing:Pbkdf2Iterations", "10", "Warden:PasswordHashing:Pbkdf2Iterations")]
    [InlineData("Warden:PasswordHashing:Algorithm", "Md5", "Warden:PasswordHashing:Algorithm")]
    // Second factors.
    [InlineData("Warden:TwoFactor:Issuer", "", "Warden:TwoFactor:Issuer")]
    [InlineData("Warden:TwoFactor:Issuer", "Evil:Corp", "Warden:TwoFactor:Issuer")]
    [InlineData("Warden:TwoFactor:CodeLifetime", "00:00:10", "Warden:TwoFactor:CodeLifetime")]
    [InlineData("Warden:TwoFactor:CodeLifetime", "02:00:00", "Warden:TwoFactor:CodeLifetime")]
    [InlineData("Warden:TwoFactor:MaxCodeAttempts", "0", "Warden:TwoFactor:MaxCodeAttempts")]
    [InlineData("Warden:TwoFactor:MaxCodeAttempts", "1000", "Warden:TwoFactor:MaxCodeAttempts")]
    [InlineData("Warden:TwoFactor:CodeHashKey", "c2hvcnQ=", "Warden:TwoFactor:CodeHashKey")]
    [InlineData("Warden:TwoFactor:CodeHashKey", "not base64!", "Warden:TwoFactor:CodeHashKey")]
    // Passkeys: the relying party must be the public URL's host or a parent domain of it, never an IP address.
    [InlineData("Warden:Passkeys:RelyingPartyId", "127.0.0.1", "Warden:Passkeys:RelyingPartyId", "Warden:PublicBaseUrl=https://id.example.com")]
    [InlineData("Warden:Passkeys:RelyingPartyId", "other.example", "Warden:Passkeys:RelyingPartyId", "Warden:PublicBaseUrl=https://id.example.com")]
    [InlineData("Warden:Passkeys:RelyingPartyId", "ample.com", "Warden:Passkeys:RelyingPartyId", "Warden:PublicBaseUrl=https://id.example.com")]
    [InlineData("Warden:Passkeys:AllowedOrigins:0", "http://app.example.com", "Warden:Passkeys:AllowedOrigins", "Warden:PublicBaseUrl=https://id.example.com",
        "Warden:Passkeys:RelyingPartyId=example.com")]
    [InlineData("Warden:Passkeys:AllowedOrigins:0", "https://evil.test", "Warden:Passkeys:AllowedOrigins", "Warden:PublicBaseUrl=https://id.example.com")]
    [InlineData("Warden:Passkeys:ChallengeLifetime", "00:00:01", "Warden:Passkeys:ChallengeLifetime")]
    // Just-in-time migration: https only (http for loopback), with a secret (never echoed).
    [InlineData("Warden:Migration:Upstream:Url", "http://upstream.example.com/check", "Warden:Migration:Upstream:Url", "Warden:Migration:Upstream:Secret=0123456789abcdef")]
    [InlineData("Warden:Migration:Upstream:Secret", "short", "Warden:Migration:Upstream:Secret", "Warden:Migration:Upstream:Url=https://upstream.example.com/check")]
    [InlineData("Warden:Migration:Upstream:Timeout", "00:05:00", "Warden:Migration:Upstream:Timeout", "Warden:Migration:Upstream:Url=https://upstream.example.com/check",
        "Warden:Migration:Upstream:Secret=0123456789abcdef")]
    // Access rules (named by the rule, or the setting).
    [InlineData("Warden:Authorization:Rules:readOwn:Effect", "perhaps", "Warden:Authorization:Rules:readOwn")]
    [InlineData("Warden:Authorization:Rules:readOwn:Conditions:0:Operator", "resembles", "Warden:Authorization:Rules:readOwn")]
    [InlineData("Warden:Authorization:Rules:custom:Conditions:0:Attribute", "subject.shoeSize", "Warden:Authorization:Rules:custom")]
    [InlineData("Warden:Authorization:PermissionCacheDuration", "01:00:00", "Warden:Authorization:PermissionCacheDuration")]
    // Several nodes.
    [InlineData("Warden:Redis:Configuration", ",,,", "Warden:Redis:Configuration")]
    [InlineData("Warden:Redis:Configuration", "localhost:6379,nonsense=1", "Warden:Redis:Configuration")]
    [InlineData("Warden:Redis:KeyPrefix", "has space", "Warden:Redis:KeyPrefix")]
    [InlineData("Warden:Nodes", "0", "Warden:Nodes")]
    // Email, SMS and the outbox.
    [InlineData("Warden:Email:Delivery", "Smtp", "Warden:Email:Smtp:Host")]
    [InlineData("Warden:Email:Smtp:Security", "None", "Warden:Email:Smtp:Security",
        "Warden:Email:Delivery=Smtp", "Warden:Email:Smtp:Host=mail.example.com", "Warden:Email:Smtp:UserName=u")]
    [InlineData("Warden:Email:Smtp:EnableStartTls", "false", "Warden:Email:Smtp:Security")]
    [InlineData("Warden:Email:Smtp:Security", "Ssl", "Warden:Email:Smtp:Security")]
    [InlineData("Warden:Outbox:BatchSize", "twenty", "Warden:Outbox:BatchSize")]
    [InlineData("Warden:Email:Smtp:Port", "0", "Warden:Email:Smtp:Port", "Warden:Email:Delivery=Smtp", "Warden:Email:Smtp:Host=mail.example.com")]
    [InlineData("Warden:Email:From", "no-reply", "Warden:Email:From")]
    [InlineData("Warden:Email:From", "not an address", "Warden:Email:From")]
    [InlineData("Warden:Sms:Delivery", "Gateway", "Warden:Sms:Gateway:Url")]
    [InlineData("Warden:Sms:Gateway:Url", "http://sms.example.com/send", "Warden:Sms:Gateway:Url", "Warden:Sms:Delivery=Gateway")]
    [InlineData("Warden:Outbox:MaxAttempts", "0", "Warden:Outbox:MaxAttempts")]
    [InlineData("Warden:Outbox:PollInterval", "-00:00:01", "Warden:Outbox:PollInterval")]
    public async Task StartRefusesTheSettingAndNamesIt(string key, string value, string named, params string[] alongside)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "warden-tests", Guid.NewGuid().ToString("N"));
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            $"--Warden:DataDirectory={dataDirectory}",
            "--Warden:Database:Provider=Postgres",
            "--Warden:Database:ConnectionString=Host=127.0.0.1;Database=never_used",
            .. alongside.Select(setting => "--" + setting),
            $"--{key}={value}",
        ];

        var (exitCode, error) = await ConsoleCollection.CaptureErrorAsync(() => Program.Main(args));

        Assert.Equal(2, exitCode);
        Assert.Contains("configuration is invalid", error, StringComparison.Ordinal);
        Assert.Contains(named, error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal); // a broker password is never echoed
        if (key.EndsWith("CodeHashKey", StringComparison.Ordinal))
        {
            Assert.DoesNotContain(value, error, StringComparison.Ordinal); // nor a key
        }
    }
}
