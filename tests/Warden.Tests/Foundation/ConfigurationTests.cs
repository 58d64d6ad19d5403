using Warden.Server;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Foundation;

/// <summary>The server started as an operator starts it, with a bad setting: it must refuse and name the key.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("Warden:PublicBaseUrl", "not a url")]
    [InlineData("Warden:PublicBaseUrl", "ftp://warden.test")]
    [InlineData("Warden:Network:TrustedProxies:0", "10.0.0.999")]
    [InlineData("Warden:Network:CorsAllowedOrigins:0", "https://app.example.com/path")]
    [InlineData("Warden:Network:MaxRequestBodyBytes", "10")]
    [InlineData("Warden:Database:ConnectionString", "")]
    [InlineData("Warden:Database:Provider", "Oracle")]
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
    }
}
