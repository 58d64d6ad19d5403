using System.Text.RegularExpressions;
using Warden.Server.Authentication.TwoFactor;

namespace Warden.Tests.Authentication.TwoFactor;

public sealed partial class RecoveryCodeTests
{
    private static readonly Guid UserId = Guid.Parse("0192f3c4-0000-7000-8000-000000000001");

    [GeneratedRegex("^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$")]
    private static partial Regex CodeShape();

    [Fact]
    public void TenDistinctCodesOfTenCrockfordSymbolsAreGenerated()
    {
        var codes = RecoveryCodes.Generate();

        Assert.Equal(10, codes.Count);
        Assert.Equal(10, codes.Distinct().Count());
        Assert.All(codes, code => Assert.Matches(CodeShape(), code));
    }

    [Fact]
    public void EverySymbolOfTheAlphabetIsUsed()
    {
        // 20,000 symbols from 32: the chance that a fair generator misses one is below 10^-270.
        var symbols = Enumerable.Range(0, 200).SelectMany(_ => RecoveryCodes.Generate()).SelectMany(c => c.Replace("-", "", StringComparison.Ordinal)).ToHashSet();

        Assert.Equal(32, symbols.Count);
    }

    [Theory]
    [InlineData("abcde-fghjk")]
    [InlineData("ABCDE-FGHJK")]
    [InlineData("abcdefghjk")]
    [InlineData(" abc de fgh jk ")]
    [InlineData("ab-cd-ef-gh-jk")]
    public void TypedVariantsNormalizeToTheSameCode(string typed)
    {
        Assert.True(RecoveryCodes.TryNormalize(typed, out var normalized));
        Assert.Equal("abcdefghjk", normalized);
        Assert.Equal(RecoveryCodes.Hash(UserId, "abcde-fghjk"), RecoveryCodes.Hash(UserId, typed));
    }

    [Fact]
    public void LookAlikeLettersReadAsTheDigitsTheyResemble()
    {
        Assert.True(RecoveryCodes.TryNormalize("OoIiL-lo1i0", out var normalized));
        Assert.Equal("0011110110", normalized);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("abcde-fghj")] // nine symbols
    [InlineData("abcde-fghjkm")] // eleven
    [InlineData("abcde-fghju")] // u is not in the alphabet
    [InlineData("abcde_fghjk")]
    [InlineData("abcde-fghj\u006B\u0301")] // k with a combining accent
    [InlineData("abcde-fghjк")] // Cyrillic ka
    public void MalformedCodesDoNotNormalize(string? typed)
    {
        Assert.False(RecoveryCodes.TryNormalize(typed, out _));
        Assert.False(RecoveryCodes.Matches(UserId, typed, RecoveryCodes.Hash(UserId, "abcde-fghjk")));
    }

    [Fact]
    public void TheHashIsLowerCaseHexSha256BoundToTheUser()
    {
        var hash = RecoveryCodes.Hash(UserId, "abcde-fghjk");

        Assert.Matches("^[0-9a-f]{64}$", hash);
        Assert.NotEqual(hash, RecoveryCodes.Hash(Guid.CreateVersion7(), "abcde-fghjk"));
        Assert.NotEqual(hash, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("abcdefghjk"u8)));
    }

    [Fact]
    public void MatchesAcceptsOnlyTheSameUsersCode()
    {
        var code = RecoveryCodes.Generate()[0];
        var stored = RecoveryCodes.Hash(UserId, code);

        Assert.True(RecoveryCodes.Matches(UserId, code.ToUpperInvariant(), stored));
        Assert.False(RecoveryCodes.Matches(Guid.CreateVersion7(), code, stored));
        Assert.False(RecoveryCodes.Matches(UserId, RecoveryCodes.Generate()[0], stored));
    }
}
