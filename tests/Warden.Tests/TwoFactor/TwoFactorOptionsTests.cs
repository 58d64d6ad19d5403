using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Warden.Server;
using Warden.Server.Authentication.TwoFactor;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.TwoFactor;

[Collection(ConsoleCollection.Name)]
public sealed class TwoFactorOptionsTests
{
    [Theory]
    [InlineData("Warden:TwoFactor:Issuer", "")]
    [InlineData("Warden:TwoFactor:Issuer", "Evil:Corp")]
    [InlineData("Warden:TwoFactor:CodeLifetime", "00:00:10")]
    [InlineData("Warden:TwoFactor:CodeLifetime", "02:00:00")]
    [InlineData("Warden:TwoFactor:MaxCodeAttempts", "0")]
    [InlineData("Warden:TwoFactor:MaxCodeAttempts", "1000")]
    [InlineData("Warden:TwoFactor:CodeHashKey", "c2hvcnQ=")]
    [InlineData("Warden:TwoFactor:CodeHashKey", "not base64!")]
    public async Task StartRefusesInvalidTwoFactorSettingsNamingTheKey(string key, string value)
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
        if (key.EndsWith("CodeHashKey", StringComparison.Ordinal))
        {
            Assert.DoesNotContain(value, error, StringComparison.Ordinal); // a secret is never echoed
        }
    }

    [Fact]
    public void TheDefaultsAreThoseOfTheIssue()
    {
        var options = new TwoFactorOptions();

        Assert.Equal("Warden", options.Issuer);
        Assert.False(options.AllowEmailCodes);
        Assert.Equal(TimeSpan.FromMinutes(5), options.CodeLifetime);
        Assert.Equal(5, options.MaxCodeAttempts);
        Assert.True(new TwoFactorOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void WithoutAConfiguredKeyTheServerKeepsOneKeyFileAcrossRestarts()
    {
        using var first = new WardenFactory();
        var challenge = Guid.CreateVersion7();
        var stored = first.Services.GetRequiredService<OneTimeCodeHasher>().Hash(challenge, "123456");
        var keyFile = Path.Combine(first.DataDirectory, "keys", CodeHashKey.FileName);

        Assert.Equal(32, File.ReadAllBytes(keyFile).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        // A second process on the same data directory reads the same key.
        Assert.True(new OneTimeCodeHasher(CodeHashKey.LoadOrCreate(keyFile)).Matches(challenge, "123456", stored));
    }

    [Fact]
    public void AConfiguredKeyIsTheOneUsed()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        using var factory = new WardenFactory().With("Warden:TwoFactor:CodeHashKey", Convert.ToBase64String(key));
        var challenge = Guid.CreateVersion7();

        var stored = factory.Services.GetRequiredService<OneTimeCodeHasher>().Hash(challenge, "123456");

        Assert.True(new OneTimeCodeHasher(key).Matches(challenge, "123456", stored));
        Assert.False(File.Exists(Path.Combine(factory.DataDirectory, "keys", CodeHashKey.FileName)));
        Assert.Equal("Warden", factory.Services.GetRequiredService<IOptions<TwoFactorOptions>>().Value.Issuer);
    }
}
