using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Warden.Server.Authentication.TwoFactor;

/// <summary>
/// Single-use recovery codes, shown once at enrolment and stored only as hashes.
/// A code is ten symbols of Crockford's base32 shown as <c>xxxxx-xxxxx</c> (50 bits). Crockford's alphabet
/// has no I, L, O or U, and reading folds the look-alikes onto digits (o → 0, i and l → 1), so a code copied
/// from paper by eye still matches.
/// </summary>
public static class RecoveryCodes
{
    public const int Count = 10;
    public const int SymbolCount = 10;
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    /// <summary>Ten new codes, each symbol drawn uniformly from 32 (5 bits) with RandomNumberGenerator.</summary>
    public static IReadOnlyList<string> Generate()
    {
        var codes = new string[Count];
        Span<char> code = stackalloc char[SymbolCount + 1];
        for (var c = 0; c < Count; c++)
        {
            for (var i = 0; i < SymbolCount; i++)
            {
                code[i < 5 ? i : i + 1] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
            }

            code[5] = '-';
            codes[c] = new string(code);
        }

        return codes;
    }

    /// <summary>
    /// The canonical form (ten lower-case symbols, no separator) of what a person typed: case, dashes and
    /// whitespace are ignored and Crockford's look-alikes folded; false when anything else remains or the
    /// length is wrong, so the caller can refuse without a database round trip.
    /// </summary>
    public static bool TryNormalize(string? input, [NotNullWhen(true)] out string? normalized)
    {
        normalized = null;
        if (input is null || input.Length > 64)
        {
            return false;
        }

        var builder = new StringBuilder(SymbolCount);
        foreach (var raw in input)
        {
            if (raw is '-' or ' ' or '\t')
            {
                continue;
            }

            if (!char.IsAscii(raw))
            {
                return false; // no Unicode case folding: a Kelvin sign is not a k
            }

            var c = char.ToLowerInvariant(raw) switch
            {
                'o' => '0',
                'i' or 'l' => '1',
                var other => other,
            };
            if (!Alphabet.Contains(c, StringComparison.Ordinal) || builder.Length == SymbolCount)
            {
                return false;
            }

            builder.Append(c);
        }

        if (builder.Length != SymbolCount)
        {
            return false;
        }

        normalized = builder.ToString();
        return true;
    }

    /// <summary>
    /// Lower-case hex SHA-256 of the user id and the normalized code, for storage and lookup. A fast hash is
    /// enough for 50 random bits (unlike a password, there is nothing to guess from), and the user id in the
    /// input stops one brute-force run from matching every user's codes at once after a database leak.
    /// </summary>
    /// <exception cref="FormatException">The code does not normalize (call <see cref="TryNormalize"/> first on user input).</exception>
    public static string Hash(Guid userId, string code)
    {
        if (!TryNormalize(code, out var normalized))
        {
            throw new FormatException("Not a recovery code.");
        }

        var input = Encoding.ASCII.GetBytes($"warden-recovery-code-v1:{userId:D}:{normalized}");
        return Convert.ToHexStringLower(SHA256.HashData(input));
    }

    /// <summary>Whether <paramref name="input"/> is the code behind <paramref name="storedHash"/>, compared in constant time.</summary>
    public static bool Matches(Guid userId, string? input, string storedHash)
    {
        ArgumentNullException.ThrowIfNull(storedHash);
        if (!TryNormalize(input, out var normalized))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Hash(userId, normalized)),
            Encoding.ASCII.GetBytes(storedHash));
    }
}
