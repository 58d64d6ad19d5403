using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Warden.Server.Authentication.TwoFactor;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authentication.TwoFactor;

public sealed class TwoFactorOptionsTests
{
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
