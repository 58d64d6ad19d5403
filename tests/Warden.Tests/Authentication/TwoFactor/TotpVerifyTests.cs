using Warden.Server.Authentication.TwoFactor;

namespace Warden.Tests.Authentication.TwoFactor;

/// <summary>What an attacker holding a code, or guessing one, can and cannot do with Totp.Verify.</summary>
public sealed class TotpVerifyTests
{
    private static readonly byte[] Secret = Convert.FromHexString("3132333435363738393031323334353637383930");
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_015); // mid-step
    private static readonly long CurrentStep = Totp.TimeStep(Now);

    private static string CodeAt(long step) => Hotp.Generate(Secret, step);

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    public void VerifyAcceptsCodesWithinOneStepAndReturnsTheirStep(int offset)
    {
        Assert.Equal(CurrentStep + offset, Totp.Verify(Secret, CodeAt(CurrentStep + offset), Now, lastAcceptedStep: null));
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(2)]
    [InlineData(-10)]
    public void VerifyRefusesCodesTwoOrMoreStepsAway(int offset)
    {
        Assert.Null(Totp.Verify(Secret, CodeAt(CurrentStep + offset), Now, lastAcceptedStep: null));
    }

    [Fact]
    public void VerifyWithWindowZeroAcceptsOnlyTheCurrentStep()
    {
        Assert.Equal(CurrentStep, Totp.Verify(Secret, CodeAt(CurrentStep), Now, null, window: 0));
        Assert.Null(Totp.Verify(Secret, CodeAt(CurrentStep - 1), Now, null, window: 0));
    }

    [Fact]
    public void VerifyRefusesACodeReplayedAfterItsStepWasSpent()
    {
        var code = CodeAt(CurrentStep);
        var spent = Totp.Verify(Secret, code, Now, lastAcceptedStep: null);
        Assert.Equal(CurrentStep, spent);

        Assert.Null(Totp.Verify(Secret, code, Now, lastAcceptedStep: spent));
        Assert.Null(Totp.Verify(Secret, code, Now.AddSeconds(30), lastAcceptedStep: spent)); // still in the window a step later
    }

    [Fact]
    public void VerifyRefusesAnOlderCodeOnceANewerOneWasSpent()
    {
        // The phone showed the code of the next step first (clock ahead); the previous code, observed earlier
        // by someone else, must not work afterwards.
        Assert.Null(Totp.Verify(Secret, CodeAt(CurrentStep - 1), Now, lastAcceptedStep: CurrentStep));
        Assert.Null(Totp.Verify(Secret, CodeAt(CurrentStep), Now, lastAcceptedStep: CurrentStep + 1));
    }

    [Fact]
    public void VerifyAcceptsTheNextStepsCodeAfterTheCurrentWasSpent()
    {
        Assert.Equal(CurrentStep + 1, Totp.Verify(Secret, CodeAt(CurrentStep + 1), Now, lastAcceptedStep: CurrentStep));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12345a")]
    [InlineData("123 45")]
    [InlineData("+12345")]
    [InlineData("-12345")]
    [InlineData("١٢٣٤٥٦")] // Arabic-Indic digits: char.IsDigit says yes, int.Parse would read them
    [InlineData("１２３４５６")] // full-width digits
    public void VerifyRefusesCodesThatAreNotSixAsciiDigits(string? code)
    {
        Assert.Null(Totp.Verify(Secret, code, Now, lastAcceptedStep: null));
    }

    [Fact]
    public void VerifyRefusesTheRightCodeWithSurroundingWhitespace()
    {
        var code = CodeAt(CurrentStep);
        Assert.Null(Totp.Verify(Secret, " " + code, Now, null));
        Assert.Null(Totp.Verify(Secret, code + "\n", Now, null));
    }

    [Fact]
    public void VerifyRefusesASixDigitPrefixWhenEightDigitsAreConfigured()
    {
        var eight = Totp.Generate(Secret, Now, digits: 8);
        Assert.Equal(CurrentStep, Totp.Verify(Secret, eight, Now, null, digits: 8));
        Assert.Null(Totp.Verify(Secret, eight[2..], Now, null, digits: 8));
        Assert.Null(Totp.Verify(Secret, eight, Now, null, digits: 6));
    }

    [Fact]
    public void VerifyRefusesTheCodeOfAnotherSecret()
    {
        var other = TotpSecret.Generate();
        Assert.Null(Totp.Verify(other, CodeAt(CurrentStep), Now, null));
    }

    [Fact]
    public void VerifyRefusesCodesOfTheWrongAlgorithm()
    {
        var sha256 = Totp.Generate(Secret, Now, algorithm: OtpAlgorithm.Sha256);
        Assert.NotEqual(CodeAt(CurrentStep), sha256); // else the test proves nothing
        Assert.Null(Totp.Verify(Secret, sha256, Now, null));
        Assert.Equal(CurrentStep, Totp.Verify(Secret, sha256, Now, null, algorithm: OtpAlgorithm.Sha256));
    }

    [Fact]
    public void SecretsAreTwentyRandomBytes()
    {
        var a = TotpSecret.Generate();
        var b = TotpSecret.Generate();
        Assert.Equal(20, a.Length);
        Assert.NotEqual(a, b);
    }
}
