using Warden.Server;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Passwords;

/// <summary>A password policy the server cannot honour stops it at start-up, naming the key.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class PasswordConfigurationTests
{
    [Theory]
    [InlineData("Warden:Passwords:MinLength", "6")]
    [InlineData("Warden:Passwords:MaxLength", "5000")]
    [InlineData("Warden:Passwords:HistoryCount", "-1")]
    [InlineData("Warden:Passwords:MaxAge", "-1")]
    [InlineData("Warden:Passwords:ExpiryReminderDays", "90")]
    public async Task StartRefusesAnInvalidPasswordPolicyNamingTheKey(string key, string value)
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
