using Warden.Server;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Outside;

/// <summary>Bad settings of the audit, webhook, RabbitMQ, metrics and notice options stop the server, naming the key.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class OutsideConfigurationTests
{
    [Theory]
    [InlineData("Warden:Audit:Retention", "00:10:00")]
    [InlineData("Warden:Webhooks:MaxAttempts", "0")]
    [InlineData("Warden:Webhooks:Timeout", "-00:00:01")]
    [InlineData("Warden:Webhooks:RetryMaxDelay", "00:00:01")]
    [InlineData("Warden:RabbitMq:ConnectionString", "http://guest:hunter2-secret@rabbit/")]
    [InlineData("Warden:RabbitMq:Timeout", "00:00:00")]
    [InlineData("Warden:Metrics:AllowedNetworks:0", "10.0.0.0/99")]
    [InlineData("Warden:Notifications:NewSignInKnownFor", "00:00:01")]
    public async Task StartRefusesInvalidSettingsNamingTheKey(string key, string value)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "warden-tests", Guid.NewGuid().ToString("N"));
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            $"--Warden:DataDirectory={dataDirectory}",
            "--Warden:Database:Provider=Postgres",
            "--Warden:Database:ConnectionString=Host=127.0.0.1;Database=never_used",
            $"--{key}={value}",
        ];

        var (exitCode, error) = await ConsoleCollection.CaptureErrorAsync(() => Program.Main(args));

        Assert.Equal(2, exitCode);
        Assert.Contains("configuration is invalid", error, StringComparison.Ordinal);
        Assert.Contains(key, error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal); // a broker password is never echoed
    }
}
