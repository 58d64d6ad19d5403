using Warden.Server.Authentication.TwoFactor;

using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authentication.TwoFactor;

/// <summary>
/// Black-box check against an independent implementation: OATH Toolkit's <c>oathtool</c> (Debian package
/// <c>oathtool</c>, installed by ./test.sh). Secrets come from Warden's generator and travel in base32,
/// exactly as an authenticator app would receive them. Missing oathtool fails the tests: never a silent pass.
/// </summary>
public sealed class OathtoolTests
{
    [Theory]
    [InlineData(59L)]
    [InlineData(1_111_111_109L)]
    [InlineData(1_700_000_000L)]
    [InlineData(1_999_999_999L)]
    [InlineData(4_102_444_800L)] // 2100-01-01
    public async Task GeneratedSecretsGiveTheSameCodesAsOathtoolAtFixedTimes(long unixSeconds)
    {
        var time = DateTimeOffset.FromUnixTimeSeconds(unixSeconds);
        for (var i = 0; i < 3; i++)
        {
            var secret = TotpSecret.Generate();
            var base32 = Base32.Encode(secret);

            var theirs = await OathtoolAsync("--totp", "-b", "-N", $"@{unixSeconds}", base32);

            Assert.Equal(theirs, Totp.Generate(secret, time));
            Assert.Equal(Totp.TimeStep(time), Totp.Verify(secret, theirs, time, lastAcceptedStep: null));
        }
    }

    [Theory]
    [InlineData("sha1", OtpAlgorithm.Sha1)]
    [InlineData("sha256", OtpAlgorithm.Sha256)]
    [InlineData("sha512", OtpAlgorithm.Sha512)]
    public async Task EightDigitCodesOfEveryAlgorithmMatchOathtool(string mode, OtpAlgorithm algorithm)
    {
        const long unixSeconds = 1_234_567_890;
        var secret = TotpSecret.Generate();

        var theirs = await OathtoolAsync($"--totp={mode}", "-b", "-d", "8", "-N", $"@{unixSeconds}", Base32.Encode(secret));

        Assert.Equal(theirs, Totp.Generate(secret, DateTimeOffset.FromUnixTimeSeconds(unixSeconds), digits: 8, algorithm: algorithm));
    }

    [Fact]
    public async Task CodesOfTheNeighbouringStepsMatchOathtoolsWindow()
    {
        const long unixSeconds = 1_700_000_000;
        var secret = TotpSecret.Generate();

        // -w 2 prints the codes of the given step and the two after it, one per line.
        var theirs = (await OathtoolAsync("--totp", "-b", "-w", "2", "-N", $"@{unixSeconds}", Base32.Encode(secret)))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        var step = Totp.TimeStep(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));
        Assert.Equal([Hotp.Generate(secret, step), Hotp.Generate(secret, step + 1), Hotp.Generate(secret, step + 2)], theirs);
    }

    [Fact]
    public async Task TheCurrentCodeFromOathtoolIsAcceptedNow()
    {
        var secret = TotpSecret.Generate();
        var before = DateTimeOffset.UtcNow;

        var theirs = await OathtoolAsync("--totp", "-b", Base32.Encode(secret));

        // oathtool read the clock between these two instants; they straddle at most one step boundary.
        var after = DateTimeOffset.UtcNow;
        Assert.Contains(theirs, new[] { Totp.Generate(secret, before), Totp.Generate(secret, after) });
        Assert.NotNull(Totp.Verify(secret, theirs, after, lastAcceptedStep: null));
    }

    private static Task<string> OathtoolAsync(params string[] arguments) => Oathtool.RunAsync(arguments);
}
