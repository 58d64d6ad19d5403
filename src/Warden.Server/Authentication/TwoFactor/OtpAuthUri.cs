using System.Globalization;
using System.Text;

namespace Warden.Server.Authentication.TwoFactor;

/// <summary>
/// The <c>otpauth://totp/...</c> URI an authenticator app reads from the enrolment QR code
/// (Google Authenticator's Key URI format).
/// </summary>
public static class OtpAuthUri
{
    /// <summary>
    /// <c>otpauth://totp/{issuer}:{account}?secret=...&amp;issuer=...&amp;algorithm=SHA1&amp;digits=6&amp;period=30</c>.
    /// Every label part and parameter value is percent-encoded (a space as <c>%20</c>, never <c>+</c>, which
    /// apps would show literally), so an account name cannot inject parameters or a second issuer. The issuer
    /// is repeated as a parameter because apps disagree on which of the two they display.
    /// </summary>
    public static string Build(
        string issuer,
        string account,
        ReadOnlySpan<byte> secret,
        OtpAlgorithm algorithm = OtpAlgorithm.Sha1,
        int digits = Totp.DefaultDigits,
        int stepSeconds = Totp.DefaultStepSeconds)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(issuer);
        ArgumentException.ThrowIfNullOrWhiteSpace(account);
        if (issuer.Contains(':', StringComparison.Ordinal))
        {
            // The label separates issuer from account with a colon; apps split on the first one.
            throw new ArgumentException("The issuer must not contain a colon.", nameof(issuer));
        }

        Hotp.ValidateDigits(digits);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepSeconds);
        if (secret.IsEmpty)
        {
            throw new ArgumentException("The secret must not be empty.", nameof(secret));
        }

        var algorithmName = algorithm switch
        {
            OtpAlgorithm.Sha1 => "SHA1",
            OtpAlgorithm.Sha256 => "SHA256",
            OtpAlgorithm.Sha512 => "SHA512",
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown OTP algorithm."),
        };

        var uri = new StringBuilder("otpauth://totp/")
            .Append(Uri.EscapeDataString(issuer)).Append(':').Append(Uri.EscapeDataString(account))
            .Append("?secret=").Append(Base32.Encode(secret))
            .Append("&issuer=").Append(Uri.EscapeDataString(issuer))
            .Append("&algorithm=").Append(algorithmName)
            .Append("&digits=").Append(digits.ToString(CultureInfo.InvariantCulture))
            .Append("&period=").Append(stepSeconds.ToString(CultureInfo.InvariantCulture));
        return uri.ToString();
    }
}
