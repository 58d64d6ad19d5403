using System.Text;
using Warden.Server.Authentication.TwoFactor;

namespace Warden.Tests.Authentication.TwoFactor;

/// <summary>The published test vectors: RFC 4226 Appendix D and RFC 6238 Appendix B.</summary>
public sealed class OtpVectorTests
{
    private static readonly byte[] Sha1Seed = Encoding.ASCII.GetBytes("12345678901234567890");
    private static readonly byte[] Sha256Seed = Encoding.ASCII.GetBytes("12345678901234567890123456789012");
    private static readonly byte[] Sha512Seed = Encoding.ASCII.GetBytes("1234567890123456789012345678901234567890123456789012345678901234");

    [Theory]
    [InlineData(0, "755224")]
    [InlineData(1, "287082")]
    [InlineData(2, "359152")]
    [InlineData(3, "969429")]
    [InlineData(4, "338314")]
    [InlineData(5, "254676")]
    [InlineData(6, "287922")]
    [InlineData(7, "162583")]
    [InlineData(8, "399871")]
    [InlineData(9, "520489")]
    public void HotpMatchesRfc4226AppendixD(long counter, string expected)
    {
        Assert.Equal(expected, Hotp.Generate(Sha1Seed, counter));
    }

    [Theory]
    [InlineData(59L, "94287082", "46119246", "90693936")]
    [InlineData(1111111109L, "07081804", "68084774", "25091201")]
    [InlineData(1111111111L, "14050471", "67062674", "99943326")]
    [InlineData(1234567890L, "89005924", "91819424", "93441116")]
    [InlineData(2000000000L, "69279037", "90698825", "38618901")]
    [InlineData(20000000000L, "65353130", "77737706", "47863826")]
    public void TotpMatchesRfc6238AppendixB(long unixSeconds, string sha1, string sha256, string sha512)
    {
        var time = DateTimeOffset.FromUnixTimeSeconds(unixSeconds);

        Assert.Equal(sha1, Totp.Generate(Sha1Seed, time, digits: 8, algorithm: OtpAlgorithm.Sha1));
        Assert.Equal(sha256, Totp.Generate(Sha256Seed, time, digits: 8, algorithm: OtpAlgorithm.Sha256));
        Assert.Equal(sha512, Totp.Generate(Sha512Seed, time, digits: 8, algorithm: OtpAlgorithm.Sha512));
    }

    [Theory]
    [InlineData(59L, "94287082", OtpAlgorithm.Sha1)]
    [InlineData(1111111109L, "68084774", OtpAlgorithm.Sha256)]
    [InlineData(20000000000L, "47863826", OtpAlgorithm.Sha512)]
    public void VerifyAcceptsRfc6238VectorsAtTheirTime(long unixSeconds, string code, OtpAlgorithm algorithm)
    {
        var seed = algorithm switch
        {
            OtpAlgorithm.Sha256 => Sha256Seed,
            OtpAlgorithm.Sha512 => Sha512Seed,
            _ => Sha1Seed,
        };

        var step = Totp.Verify(seed, code, DateTimeOffset.FromUnixTimeSeconds(unixSeconds), lastAcceptedStep: null, digits: 8, algorithm: algorithm);

        Assert.Equal(unixSeconds / 30, step);
    }

    [Theory]
    [InlineData(59L, 1L)]
    [InlineData(60L, 2L)]
    [InlineData(1111111109L, 0x23523EC)]
    [InlineData(20000000000L, 0x27BC86AA)]
    public void TimeStepMatchesRfc6238AppendixB(long unixSeconds, long step)
    {
        Assert.Equal(step, Totp.TimeStep(DateTimeOffset.FromUnixTimeSeconds(unixSeconds)));
    }

    [Fact]
    public void HotpRefusesDigitCountsOutsideSixToEight()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Hotp.Generate(Sha1Seed, 0, digits: 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hotp.Generate(Sha1Seed, 0, digits: 9));
        Assert.Throws<ArgumentException>(() => Hotp.Generate([], 0));
    }
}
