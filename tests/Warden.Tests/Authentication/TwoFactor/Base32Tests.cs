using System.Text;
using Warden.Server.Authentication.TwoFactor;

namespace Warden.Tests.Authentication.TwoFactor;

public sealed class Base32Tests
{
    // RFC 4648 section 10, with the padding Warden leaves off.
    [Theory]
    [InlineData("", "")]
    [InlineData("f", "MY")]
    [InlineData("fo", "MZXQ")]
    [InlineData("foo", "MZXW6")]
    [InlineData("foob", "MZXW6YQ")]
    [InlineData("fooba", "MZXW6YTB")]
    [InlineData("foobar", "MZXW6YTBOI")]
    public void EncodeMatchesRfc4648VectorsWithoutPadding(string text, string expected)
    {
        Assert.Equal(expected, Base32.Encode(Encoding.ASCII.GetBytes(text)));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("MY======", "f")]
    [InlineData("MZXQ====", "fo")]
    [InlineData("MZXW6===", "foo")]
    [InlineData("MZXW6YQ=", "foob")]
    [InlineData("MZXW6YTB", "fooba")]
    [InlineData("MZXW6YTBOI======", "foobar")]
    [InlineData("MZXW6YTBOI", "foobar")]
    [InlineData("mzxw6ytboi", "foobar")]
    [InlineData("mzxw 6ytb oi", "foobar")]
    [InlineData(" MzXw6YtBoI==== ", "foobar")]
    public void DecodeReadsRfc4648VectorsInAnyCaseWithOrWithoutPaddingAndSpaces(string encoded, string expected)
    {
        Assert.Equal(expected, Encoding.ASCII.GetString(Base32.Decode(encoded)));
    }

    [Theory]
    [InlineData("MZXW1YTB")] // 1 is not in the alphabet
    [InlineData("MZXW0YTB")] // nor 0
    [InlineData("MZXW8YTB")] // nor 8
    [InlineData("MZXW-YTB")]
    [InlineData("MZXW6YTBOI=A")] // data after padding
    [InlineData("MZ=XW6YTB")]
    [InlineData("MZXWÉYTB")]
    [InlineData("M")] // lengths no whole number of bytes produces
    [InlineData("MZX")]
    [InlineData("MZXW6Y")]
    public void DecodeRefusesInvalidText(string encoded)
    {
        Assert.False(Base32.TryDecode(encoded, out _));
        Assert.Throws<FormatException>(() => Base32.Decode(encoded));
    }

    [Fact]
    public void EncodeThenDecodeReturnsTheBytesForEveryLength()
    {
        for (var length = 0; length <= 70; length++)
        {
            var data = System.Security.Cryptography.RandomNumberGenerator.GetBytes(length);
            var encoded = Base32.Encode(data);

            Assert.DoesNotContain('=', encoded);
            Assert.Equal(data, Base32.Decode(encoded));
            Assert.Equal(data, Base32.Decode(encoded.ToLowerInvariant()));
        }
    }

    [Fact]
    public void AllOnesAndAllZerosRoundTrip()
    {
        byte[] ones = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        byte[] zeros = new byte[7];
        Assert.Equal(ones, Base32.Decode(Base32.Encode(ones)));
        Assert.Equal(zeros, Base32.Decode(Base32.Encode(zeros)));
        Assert.Equal("77777777", Base32.Encode([0xFF, 0xFF, 0xFF, 0xFF, 0xFF]));
    }

    [Fact]
    public void ATwentyByteSecretIsThirtyTwoCharacters()
    {
        Assert.Equal(32, Base32.Encode(TotpSecret.Generate()).Length);
    }
}
