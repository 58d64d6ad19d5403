using Warden.Server.Passwords;

namespace Warden.Tests.Passwords;

public sealed class CommonPasswordsTests
{
    [Fact]
    public void TheShippedListHoldsAtLeastTenThousandPasswords() =>
        Assert.True(CommonPasswords.Shared.Count >= 10_000, $"only {CommonPasswords.Shared.Count} entries");

    [Fact]
    public void TheListIsLoadedOnce() =>
        Assert.Same(CommonPasswords.Shared, CommonPasswords.Shared);

    [Theory]
    [InlineData("123456")]
    [InlineData("dragon")]
    [InlineData("Dragon")]
    [InlineData("DRAGON")]
    [InlineData("trustno1")]
    [InlineData("TrustNo1")]
    public void ListedPasswordsMatchInAnyLetterCase(string password) =>
        Assert.True(CommonPasswords.Shared.Contains(password));

    [Theory]
    [InlineData("Dragon!")] // symbols trimmed
    [InlineData("#Dragon#")]
    [InlineData("Dragon2024!")] // digits and symbols trimmed
    [InlineData("99Dragon")]
    [InlineData("!1qaz2wsx?")] // symbols trimmed, the listed digits kept
    public void ListedPasswordsWithDigitsOrSymbolsStuckToTheirEndsMatch(string password) =>
        Assert.True(CommonPasswords.Shared.Contains(password));

    [Theory]
    [InlineData("Dra-gon")]
    [InlineData("Dragonfly-Orchard")]
    [InlineData("!!!")]
    [InlineData("")]
    public void OtherPasswordsDoNotMatch(string password) =>
        Assert.False(CommonPasswords.Shared.Contains(password));
}
