using System.Buffers.Binary;
using Warden.Server.Authentication.TwoFactor;

namespace Warden.Tests.Authentication.TwoFactor;

/// <summary>What an authenticator app receives at enrolment: the otpauth URI and its QR code.</summary>
public sealed class EnrolmentTests
{
    [Theory]
    [InlineData("Warden", "alice@example.com")]
    [InlineData("Acme & Co", "alice+2fa@example.com")]
    [InlineData("Ünïcødé Corp", "bob smith")]
    [InlineData("Evil", "x?secret=AAAA&issuer=Other#frag")]
    [InlineData("Evil", "mallory:Other")]
    [InlineData("100% real", "a/b\\c%20d")]
    public void TheUriRoundTripsEveryParameter(string issuer, string account)
    {
        var secret = TotpSecret.Generate();

        var uri = OtpAuthUri.Build(issuer, account, secret);
        var (labelIssuer, labelAccount, query) = Parse(uri);

        Assert.StartsWith("otpauth://totp/", uri, StringComparison.Ordinal);
        Assert.DoesNotContain(' ', uri);
        Assert.DoesNotContain('+', uri);
        Assert.DoesNotContain('#', uri);
        // Only RFC 3986 unreserved characters, the URI's own delimiters and well-formed percent escapes.
        Assert.Matches("^otpauth://totp/([A-Za-z0-9._~-]|%[0-9A-F]{2})+:([A-Za-z0-9._~-]|%[0-9A-F]{2})+\\?([A-Za-z0-9._~=&-]|%[0-9A-F]{2})+$", uri);
        Assert.Equal(issuer, labelIssuer);
        Assert.Equal(account, labelAccount);
        Assert.Equal(["secret", "issuer", "algorithm", "digits", "period"], query.Select(p => p.Key));
        Assert.Equal(secret, Base32.Decode(query[0].Value));
        Assert.Equal(issuer, query[1].Value);
        Assert.Equal("SHA1", query[2].Value);
        Assert.Equal("6", query[3].Value);
        Assert.Equal("30", query[4].Value);
    }

    [Fact]
    public void TheUriHasTheExactShapeAuthenticatorAppsExpect()
    {
        var secret = Base32.Decode("JBSWY3DPEHPK3PXP");

        Assert.Equal(
            "otpauth://totp/ACME%20Co:john.doe%40email.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30",
            OtpAuthUri.Build("ACME Co", "john.doe@email.com", secret));
    }

    [Fact]
    public void TheUriCarriesOtherAlgorithmsDigitsAndPeriods()
    {
        var (_, _, query) = Parse(OtpAuthUri.Build("Warden", "a", TotpSecret.Generate(), OtpAlgorithm.Sha512, digits: 8, stepSeconds: 60));

        Assert.Equal("SHA512", query[2].Value);
        Assert.Equal("8", query[3].Value);
        Assert.Equal("60", query[4].Value);
    }

    [Fact]
    public void AnIssuerWithAColonIsRefused()
    {
        Assert.Throws<ArgumentException>(() => OtpAuthUri.Build("Evil:Corp", "a", TotpSecret.Generate()));
    }

    [Fact]
    public void TheQrCodeIsAPngDataUri()
    {
        var uri = OtpAuthUri.Build("Warden", "alice@example.com", TotpSecret.Generate());

        var dataUri = QrCodeImage.PngDataUri(uri);

        const string prefix = "data:image/png;base64,";
        Assert.StartsWith(prefix, dataUri, StringComparison.Ordinal);
        var png = Convert.FromBase64String(dataUri[prefix.Length..]);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR"u8.ToArray(), png[12..16]);
        var width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4));
        var height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4));
        Assert.Equal(width, height);
        Assert.InRange(width, 100, 1000); // a version 4+ code with a quiet zone at 5 px per module
        Assert.Equal("IEND"u8.ToArray(), png[^8..^4]);
    }

    [Fact]
    public void DifferentSecretsDrawDifferentQrCodes()
    {
        Assert.NotEqual(
            QrCodeImage.PngDataUri(OtpAuthUri.Build("Warden", "a", TotpSecret.Generate())),
            QrCodeImage.PngDataUri(OtpAuthUri.Build("Warden", "a", TotpSecret.Generate())));
    }

    /// <summary>An independent reading of the URI: split on the literal separators, then percent-decode.</summary>
    private static (string Issuer, string Account, List<KeyValuePair<string, string>> Query) Parse(string uri)
    {
        const string scheme = "otpauth://totp/";
        var rest = uri[scheme.Length..];
        var questionMark = rest.IndexOf('?', StringComparison.Ordinal);
        var label = rest[..questionMark].Split(':');
        Assert.Equal(2, label.Length); // exactly one literal colon: the account cannot fake an issuer
        var query = rest[(questionMark + 1)..].Split('&')
            .Select(pair => pair.Split('='))
            .Select(parts =>
            {
                Assert.Equal(2, parts.Length);
                return KeyValuePair.Create(Uri.UnescapeDataString(parts[0]), Uri.UnescapeDataString(parts[1]));
            })
            .ToList();
        return (Uri.UnescapeDataString(label[0]), Uri.UnescapeDataString(label[1]), query);
    }
}
