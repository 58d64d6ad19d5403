using Microsoft.Extensions.Options;
using Warden.Server.Passwords;

namespace Warden.Tests.Passwords;

/// <summary>The rules alone, without a server: each one on its own, then all of them failing together.</summary>
public sealed class PasswordPolicyTests
{
    // Meets every rule; each test below breaks exactly one thing about it.
    private const string Strong = "Tangerine-Vortex-42";

    private static PasswordPolicy Policy(Action<PasswordPolicyOptions>? configure = null)
    {
        var options = new PasswordPolicyOptions();
        configure?.Invoke(options);
        return new PasswordPolicy(Options.Create(options), CommonPasswords.Shared);
    }

    private static string[] Codes(string? password, string? userName = null, string? email = null, Action<PasswordPolicyOptions>? configure = null) =>
        [.. Policy(configure).Evaluate(password, userName, email).Select(f => f.Code)];

    [Fact]
    public void AStrongPasswordPassesEveryRule() =>
        Assert.Empty(Codes(Strong, "someone", "someone@example.com"));

    [Theory]
    [InlineData("Ab1!xyz", PasswordRules.TooShort)]
    [InlineData("tangerine-vortex-42", PasswordRules.RequiresUppercase)]
    [InlineData("TANGERINE-VORTEX-42", PasswordRules.RequiresLowercase)]
    [InlineData("Tangerine-Vortex", PasswordRules.RequiresDigit)]
    [InlineData("TangerineVortex42", PasswordRules.RequiresSpecial)]
    public void EachCompositionRuleFailsAlone(string password, string expected) =>
        Assert.Equal([expected], Codes(password));

    [Fact]
    public void EveryFailedRuleIsReportedAtOnceWithAMessage()
    {
        var failures = Policy().Evaluate("love", "love", "love@example.com");

        Assert.Equal(
            new[]
            {
                PasswordRules.TooShort, PasswordRules.RequiresUppercase, PasswordRules.RequiresDigit, PasswordRules.RequiresSpecial,
                PasswordRules.ContainsUserName, PasswordRules.ContainsEmail, PasswordRules.Common,
            },
            failures.Select(f => f.Code));
        Assert.All(failures, f => Assert.False(string.IsNullOrWhiteSpace(f.Message)));
        Assert.Contains("at least 8 characters", failures[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingPasswordFailsRatherThanThrows() =>
        Assert.Contains(PasswordRules.TooShort, Codes(null));

    [Fact]
    public void A128CharacterPasswordIsAcceptedAndA129CharacterOneIsRejected()
    {
        var longest = "Aa1!" + new string('x', 124);
        Assert.Equal(128, longest.Length);
        Assert.Empty(Codes(longest));
        Assert.Equal([PasswordRules.TooLong], Codes(longest + "x"));
    }

    [Fact]
    public void LengthCountsCharactersAsPeopleDoNotUtf16Units()
    {
        // Seven characters and a key emoji (two UTF-16 units) make eight.
        Assert.Empty(Codes("Ab1!xyz\U0001F511"));
        Assert.Equal([PasswordRules.TooLong], Codes("Aa1!" + string.Concat(Enumerable.Repeat("\U0001F511", 125))));
    }

    [Fact]
    public void ConfiguredLengthsAreEnforced()
    {
        Assert.Equal([PasswordRules.TooShort], Codes(Strong, configure: o => o.MinLength = 20));
        Assert.Equal([PasswordRules.TooLong], Codes(Strong, configure: o => o.MaxLength = 18));
    }

    [Fact]
    public void CharacterClassesCanBeSwitchedOff() =>
        Assert.Empty(Codes("tangerinevortex", configure: o =>
        {
            o.RequireUppercase = false;
            o.RequireDigit = false;
            o.RequireSpecial = false;
        }));

    [Fact]
    public void ASpaceCountsAsASpecialCharacterSoPassphrasesAreWelcome() =>
        Assert.Empty(Codes("Tangerine Vortex 42"));

    [Fact]
    public void AnAccentedLetterIsALetterNotASpecialCharacter() =>
        Assert.Equal([PasswordRules.RequiresSpecial], Codes("Tangerine\u00e9Vortex42"));

    [Theory]
    [InlineData("vortex")]
    [InlineData("VORTEX")]
    [InlineData("Tangerine-Vortex-42")]
    public void APasswordContainingOrEqualToTheUsernameIsRejectedWhateverTheCase(string userName) =>
        Assert.Equal([PasswordRules.ContainsUserName], Codes(Strong, userName, "someone@example.com"));

    [Theory]
    [InlineData("vortex@example.com")]
    [InlineData("Tang@example.com")]
    [InlineData("TANGERINE-VORTEX-42@example.com")]
    public void APasswordContainingTheEmailLocalPartIsRejectedWhateverTheCase(string email) =>
        Assert.Equal([PasswordRules.ContainsEmail], Codes(Strong, null, email));

    [Theory]
    [InlineData("tan@example.com")]
    [InlineData("t@example.com")]
    public void AnEmailLocalPartShorterThanFourCharactersIsNotHeldAgainstThePassword(string email) =>
        Assert.Empty(Codes(Strong, null, email));

    [Fact]
    public void TheDomainOfTheEmailIsNotHeldAgainstThePassword() =>
        Assert.Empty(Codes("Vortex-Tangerine-42", null, "someone@tangerine.com"));

    [Theory]
    [InlineData("password")]
    [InlineData("PASSWORD")]
    [InlineData("PaSsWoRd")]
    [InlineData("qwerty123")]
    [InlineData("QWERTY123")]
    public void CommonPasswordsAreRejectedInAnyLetterCase(string password) =>
        Assert.Equal([PasswordRules.Common], Codes(password, configure: CompositionOff));

    [Theory]
    [InlineData("P@ssw0rd")]
    [InlineData("P@SSW0RD", false)]
    [InlineData("Password1!")]
    [InlineData("Password123!")]
    [InlineData("!Password1")]
    [InlineData("Qwerty123!")]
    [InlineData("1Qaz2wsx!")]
    [InlineData("Letmein2024!!")]
    public void CommonPasswordsDressedUpToMeetTheCompositionRulesAreStillRejected(string password, bool meetsComposition = true)
    {
        var codes = Codes(password);
        Assert.Contains(PasswordRules.Common, codes);
        if (meetsComposition)
        {
            Assert.Equal([PasswordRules.Common], codes);
        }
    }

    [Theory]
    [InlineData("My-Password-Is-42")] // a common word inside a longer password is not the common password
    [InlineData("Pass-Word-1!")] // the check undoes nothing inside the password
    public void ACommonWordInsideALongerPasswordIsAllowed(string password) =>
        Assert.Empty(Codes(password));

    [Fact]
    public void TheBlocklistCanBeSwitchedOff() =>
        Assert.Empty(Codes("Password1!", configure: o => o.BlockCommonPasswords = false));

    [Fact]
    public void DescribedRulesFollowTheConfiguration()
    {
        var all = Policy().DescribeRules().Select(r => r.Code).ToList();
        Assert.Equal(PasswordRules.All.Order(), all.Order());

        var fewer = Policy(o =>
        {
            o.RequireSpecial = false;
            o.BlockCommonPasswords = false;
            o.HistoryCount = 0;
        }).DescribeRules().Select(r => r.Code).ToList();
        Assert.DoesNotContain(PasswordRules.RequiresSpecial, fewer);
        Assert.DoesNotContain(PasswordRules.Common, fewer);
        Assert.DoesNotContain(PasswordRules.Reused, fewer);
        Assert.Contains(PasswordRules.TooShort, fewer);
    }

    private static void CompositionOff(PasswordPolicyOptions options)
    {
        options.RequireUppercase = false;
        options.RequireLowercase = false;
        options.RequireDigit = false;
        options.RequireSpecial = false;
    }
}
