using System.Diagnostics.CodeAnalysis;

namespace Warden.Server.Authentication.TwoFactor;

/// <summary>
/// RFC 4648 base32, the encoding authenticator apps expect for TOTP secrets. Output is upper case without
/// padding (what otpauth URIs use); input is read the way people type it: any case, with or without padding,
/// with spaces — and anything else outside the alphabet is refused rather than skipped, so a mistyped
/// secret fails loudly instead of becoming a different key.
/// </summary>
public static class Base32
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static string Encode(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return string.Empty;
        }

        var output = new char[(data.Length * 8 + 4) / 5];
        var position = 0;
        var buffer = 0;
        var bits = 0;
        foreach (var b in data)
        {
            buffer = ((buffer << 8) | b) & 0xFFFF; // at most 12 pending bits plus 8 new ones
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                output[position++] = Alphabet[(buffer >> bits) & 0x1F];
            }
        }

        if (bits > 0)
        {
            output[position++] = Alphabet[(buffer << (5 - bits)) & 0x1F];
        }

        return new string(output, 0, position);
    }

    /// <exception cref="FormatException">The text holds a character outside the alphabet or has an impossible length.</exception>
    public static byte[] Decode(string text) =>
        TryDecode(text, out var data) ? data : throw new FormatException("The text is not valid base32.");

    public static bool TryDecode(string? text, [NotNullWhen(true)] out byte[]? data)
    {
        data = null;
        if (text is null)
        {
            return false;
        }

        var symbols = new List<int>(text.Length);
        var padding = false;
        foreach (var c in text)
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                continue;
            }

            if (c == '=')
            {
                padding = true;
                continue;
            }

            var value = c switch
            {
                >= 'A' and <= 'Z' => c - 'A',
                >= 'a' and <= 'z' => c - 'a',
                >= '2' and <= '7' => c - '2' + 26,
                _ => -1,
            };
            if (value < 0 || padding)
            {
                return false; // not in the alphabet, or data after padding
            }

            symbols.Add(value);
        }

        // 1, 3 or 6 symbols in the last group of eight cannot come from whole bytes.
        if (symbols.Count % 8 is 1 or 3 or 6)
        {
            return false;
        }

        var output = new byte[symbols.Count * 5 / 8];
        var position = 0;
        var buffer = 0;
        var bits = 0;
        foreach (var symbol in symbols)
        {
            buffer = ((buffer << 5) | symbol) & 0xFFFF;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                output[position++] = (byte)(buffer >> bits);
            }
        }

        data = output;
        return true;
    }
}
