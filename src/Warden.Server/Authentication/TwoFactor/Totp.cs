using System.Security.Cryptography;

namespace Warden.Server.Authentication.TwoFactor;

/// <summary>
/// Time-based one-time passwords (RFC 6238). Unlike ASP.NET Core Identity's authenticator provider, which
/// accepts the same code again for as long as it is in the window, <see cref="Verify"/> takes the last step
/// the user spent and never accepts it or an earlier one: the caller stores the returned step with a
/// conditional update (<c>WHERE last_totp_step IS NULL OR last_totp_step &lt; step</c>), so a code observed
/// over a shoulder or phished in real time works at most once, even under concurrent requests.
/// </summary>
public static class Totp
{
    public const int DefaultDigits = 6;
    public const int DefaultStepSeconds = 30;

    /// <summary>The time step that contains <paramref name="time"/> (T in RFC 6238, with T0 = the Unix epoch).</summary>
    public static long TimeStep(DateTimeOffset time, int stepSeconds = DefaultStepSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepSeconds);
        var seconds = time.ToUnixTimeSeconds();
        return seconds >= 0 ? seconds / stepSeconds : ((seconds + 1) / stepSeconds) - 1;
    }

    public static string Generate(
        ReadOnlySpan<byte> secret,
        DateTimeOffset time,
        int digits = DefaultDigits,
        int stepSeconds = DefaultStepSeconds,
        OtpAlgorithm algorithm = OtpAlgorithm.Sha1) =>
        Hotp.Generate(secret, TimeStep(time, stepSeconds), digits, algorithm);

    /// <summary>
    /// The time step whose code is <paramref name="code"/>, searched from <paramref name="window"/> steps before
    /// <paramref name="now"/> to as many after (clock drift between phone and server), skipping every step at or
    /// before <paramref name="lastAcceptedStep"/>; null when no step matches or the code is not
    /// <paramref name="digits"/> ASCII digits. The caller must spend the returned step before trusting it.
    /// </summary>
    public static long? Verify(
        ReadOnlySpan<byte> secret,
        string? code,
        DateTimeOffset now,
        long? lastAcceptedStep,
        int window = 1,
        int digits = DefaultDigits,
        int stepSeconds = DefaultStepSeconds,
        OtpAlgorithm algorithm = OtpAlgorithm.Sha1)
    {
        Hotp.ValidateDigits(digits);
        ArgumentOutOfRangeException.ThrowIfNegative(window);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(window, 10);
        if (code is null || code.Length != digits || !code.All(char.IsAsciiDigit))
        {
            return null;
        }

        Span<byte> presented = stackalloc byte[digits];
        for (var i = 0; i < digits; i++)
        {
            presented[i] = (byte)code[i];
        }

        var current = TimeStep(now, stepSeconds);
        long? matched = null;
        Span<byte> expected = stackalloc byte[digits];
        // Every candidate is computed and compared, matched or not, so the response time says nothing about
        // which step (or whether an already spent step) the code belonged to.
        for (var step = current - window; step <= current + window; step++)
        {
            if (step < 0)
            {
                continue;
            }

            var candidate = Hotp.Generate(secret, step, digits, algorithm);
            for (var i = 0; i < digits; i++)
            {
                expected[i] = (byte)candidate[i];
            }

            var fresh = lastAcceptedStep is not { } last || step > last;
            if (CryptographicOperations.FixedTimeEquals(presented, expected) & fresh && matched is null)
            {
                matched = step;
            }
        }

        return matched;
    }
}
