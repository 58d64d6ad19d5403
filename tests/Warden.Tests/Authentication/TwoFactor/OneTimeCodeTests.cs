using System.Security.Cryptography;
using Warden.Server.Authentication.TwoFactor;

namespace Warden.Tests.Authentication.TwoFactor;

public sealed class OneTimeCodeTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private static readonly Guid ChallengeId = Guid.CreateVersion7();

    [Fact]
    public void CodesAreSixDigitsSpreadOverTheWholeRange()
    {
        var codes = Enumerable.Range(0, 20_000).Select(_ => OneTimeCodes.Generate()).ToList();

        Assert.All(codes, code => Assert.True(OneTimeCodes.IsWellFormed(code), code));
        // A fair generator gives every leading digit (so codes below 100000 keep their zeros); the chance
        // of missing one in 20,000 draws is below 10^-900.
        Assert.Equal(10, codes.Select(c => c[0]).Distinct().Count());
        Assert.Equal(10, codes.Select(c => c[5]).Distinct().Count());
        Assert.InRange(codes.Distinct().Count(), 19_000, 20_000);
    }

    [Fact]
    public void TheStoredHashMatchesOnlyTheSameCodeForTheSameChallenge()
    {
        var hasher = new OneTimeCodeHasher(Key);
        var stored = hasher.Hash(ChallengeId, "012345");

        Assert.Matches("^[0-9a-f]{64}$", stored);
        Assert.True(hasher.Matches(ChallengeId, "012345", stored));
        Assert.False(hasher.Matches(ChallengeId, "012346", stored));
        Assert.False(hasher.Matches(ChallengeId, "12345", stored));
        Assert.False(hasher.Matches(Guid.CreateVersion7(), "012345", stored));
        Assert.False(hasher.Matches(ChallengeId, "012345", stored.ToUpperInvariant()));
        Assert.False(hasher.Matches(ChallengeId, "012345", ""));
    }

    [Fact]
    public void WithoutTheKeyTheHashCannotBeReversedByTryingEveryCode()
    {
        var stored = new OneTimeCodeHasher(Key).Hash(ChallengeId, "424242");

        // What an attacker with the database but not the key can compute: every salted SHA-256 of the million codes.
        var plain = Enumerable.Range(0, 1_000_000)
            .Select(n => n.ToString("D6", System.Globalization.CultureInfo.InvariantCulture))
            .Where(code => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes($"{ChallengeId:D}:{code}"))) == stored
                || Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(code))) == stored);
        Assert.Empty(plain);
        Assert.False(new OneTimeCodeHasher(RandomNumberGenerator.GetBytes(32)).Matches(ChallengeId, "424242", stored));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12345a")]
    [InlineData(" 12345")]
    [InlineData("١٢٣٤٥٦")]
    public void MalformedCodesAreRefusedBeforeHashing(string? code)
    {
        var hasher = new OneTimeCodeHasher(Key);
        Assert.False(OneTimeCodes.IsWellFormed(code));
        Assert.False(hasher.Matches(ChallengeId, code, hasher.Hash(ChallengeId, "123456")));
        if (code is not null)
        {
            Assert.Throws<FormatException>(() => hasher.Hash(ChallengeId, code));
        }
    }

    [Fact]
    public void AKeyShorterThan256BitsIsRefused()
    {
        Assert.Throws<ArgumentException>(() => new OneTimeCodeHasher(new byte[31]));
    }
}
