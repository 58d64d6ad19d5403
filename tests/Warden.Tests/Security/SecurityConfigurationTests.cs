using Warden.Server;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Security;

[Collection(ConsoleCollection.Name)]
public sealed class SecurityConfigurationTests
{
    [Theory]
    [InlineData("Warden:Tokens:AccessTokenLifetime", "00:00:10")]
    [InlineData("Warden:Tokens:Audience", " ")]
    [InlineData("Warden:Tokens:Issuer", "not a url")]
    [InlineData("Warden:Tokens:KeyRotationInterval", "00:10:00")]
    [InlineData("Warden:Tokens:KeyRefreshInterval", "00:00:01")]
    [InlineData("Warden:PasswordHashing:Argon2MemoryKiB", "4")]
    [InlineData("Warden:PasswordHashing:Argon2Iterations", "0")]
    [InlineData("Warden:PasswordHashing:Pbkdf2Iterations", "10")]
    [InlineData("Warden:PasswordHashing:Algorithm", "Md5")]
    public async Task StartRefusesInvalidSecuritySettingsNamingTheKey(string key, string value)
    {
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            $"--Warden:DataDirectory={Path.Combine(Path.GetTempPath(), "warden-tests", Guid.NewGuid().ToString("N"))}",
            "--Warden:Database:Provider=Postgres",
            "--Warden:Database:ConnectionString=Host=127.0.0.1;Database=never_used",
            $"--{key}={value}",
        ];

        var (exitCode, error) = await ConsoleCollection.CaptureErrorAsync(() => Program.Main(args));

        Assert.Equal(2, exitCode);
        Assert.Contains(key, error, StringComparison.Ordinal);
    }
}
