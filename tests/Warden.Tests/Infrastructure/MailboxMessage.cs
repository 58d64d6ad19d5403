using System.Text;
using System.Text.RegularExpressions;

namespace Warden.Tests.Infrastructure;

/// <summary>An email as a recipient sees it, parsed from its MIME form (an .eml file or an SMTP DATA payload).</summary>
public sealed partial class MailboxMessage
{
    private MailboxMessage(IReadOnlyDictionary<string, string> headers, string? textBody, string? htmlBody, string source)
    {
        Headers = headers;
        TextBody = textBody ?? "";
        HtmlBody = htmlBody ?? "";
        Source = source;
    }

    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The recipient's bare address.</summary>
    public string To => Address(Headers.GetValueOrDefault("To") ?? "");

    public string From => Headers.GetValueOrDefault("From") ?? "";

    public string Subject => Headers.GetValueOrDefault("Subject") ?? "";

    public string TextBody { get; }

    public string HtmlBody { get; }

    /// <summary>The file it was read from, or "smtp".</summary>
    public string Source { get; }

    /// <summary>Every http(s) link in the text part, in order.</summary>
    public IReadOnlyList<string> Links => [.. LinkPattern().Matches(TextBody).Select(m => m.Value)];

    /// <summary>The first link in the text part whose path contains <paramref name="pathPart"/>.</summary>
    public string Link(string pathPart) =>
        Links.FirstOrDefault(l => new Uri(l).AbsolutePath.Contains(pathPart, StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"No link containing '{pathPart}' in the email '{Subject}':\n{TextBody}");

    /// <summary>The value of query parameter <paramref name="name"/> in the first link that has it.</summary>
    public string Token(string name = "token")
    {
        foreach (var link in Links)
        {
            var query = new Uri(link).Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries);
            foreach (var pair in query)
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0 && Uri.UnescapeDataString(pair[..equals]) == name)
                {
                    return Uri.UnescapeDataString(pair[(equals + 1)..]);
                }
            }
        }

        throw new Xunit.Sdk.XunitException($"No link with a '{name}' parameter in the email '{Subject}':\n{TextBody}");
    }

    /// <summary>Group 1 of <paramref name="pattern"/> in the text part (the whole match when there is no group).</summary>
    public string Match(string pattern)
    {
        var match = Regex.Match(TextBody, pattern);
        if (!match.Success)
        {
            throw new Xunit.Sdk.XunitException($"'{pattern}' does not match the email '{Subject}':\n{TextBody}");
        }

        return match.Groups.Count > 1 ? match.Groups[1].Value : match.Value;
    }

    public override string ToString() => $"to {To}: {Subject}";

    public static MailboxMessage Parse(string raw, string source)
    {
        var (headers, body) = SplitHeaders(raw);
        string? text = null;
        string? html = null;
        CollectParts(headers, body, ref text, ref html);
        return new MailboxMessage(headers, text, html, source);
    }

    private static void CollectParts(Dictionary<string, string> headers, string body, ref string? text, ref string? html)
    {
        var contentType = headers.GetValueOrDefault("Content-Type") ?? "text/plain";
        var mediaType = contentType.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType.StartsWith("multipart/", StringComparison.Ordinal))
        {
            var boundary = Parameter(contentType, "boundary") ?? throw new FormatException("multipart without boundary");
            var delimiter = "--" + boundary;
            var sections = body.Split(delimiter);
            // sections[0] is the preamble; the last starts with "--" (the closing delimiter).
            foreach (var section in sections.Skip(1))
            {
                if (section.StartsWith("--", StringComparison.Ordinal))
                {
                    break;
                }

                var (partHeaders, partBody) = SplitHeaders(section.TrimStart('\r', '\n'));
                CollectParts(partHeaders, partBody, ref text, ref html);
            }

            return;
        }

        var decoded = Decode(body, headers.GetValueOrDefault("Content-Transfer-Encoding"), Parameter(contentType, "charset"));
        if (mediaType == "text/plain")
        {
            text ??= decoded;
        }
        else if (mediaType == "text/html")
        {
            html ??= decoded;
        }
    }

    private static (Dictionary<string, string> Headers, string Body) SplitHeaders(string raw)
    {
        raw = raw.Replace("\r\n", "\n", StringComparison.Ordinal);
        var end = raw.IndexOf("\n\n", StringComparison.Ordinal);
        var head = end < 0 ? raw : raw[..end];
        var body = end < 0 ? "" : raw[(end + 2)..];
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? name = null;
        foreach (var line in head.Split('\n'))
        {
            if ((line.StartsWith(' ') || line.StartsWith('\t')) && name is not null)
            {
                headers[name] += " " + line.Trim();
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            name = line[..colon].Trim();
            if (!headers.ContainsKey(name))
            {
                headers[name] = line[(colon + 1)..].Trim();
            }
            else
            {
                name = null; // Only the first occurrence counts.
            }
        }

        foreach (var key in headers.Keys.ToList())
        {
            headers[key] = DecodeEncodedWords(headers[key]);
        }

        return (headers, body);
    }

    private static string Decode(string body, string? transferEncoding, string? charset)
    {
        var encoding = charset is null ? Encoding.UTF8 : Encoding.GetEncoding(charset.Trim('"'));
        var decoded = transferEncoding?.Trim().ToLowerInvariant() switch
        {
            "base64" => encoding.GetString(Convert.FromBase64String(string.Concat(body.Where(c => !char.IsWhiteSpace(c))))),
            "quoted-printable" => encoding.GetString(QuotedPrintable(body, underscoreIsSpace: false)),
            _ => body,
        };

        // Tests compare with what was sent, written with \n; mail carries \r\n.
        return decoded.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n');
    }

    private static byte[] QuotedPrintable(string input, bool underscoreIsSpace)
    {
        input = input.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("=\n", "", StringComparison.Ordinal);
        var bytes = new List<byte>(input.Length);
        for (var i = 0; i < input.Length; i++)
        {
            var c = input[i];
            if (c == '=' && i + 2 < input.Length && Uri.IsHexDigit(input[i + 1]) && Uri.IsHexDigit(input[i + 2]))
            {
                bytes.Add(Convert.ToByte(input.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (c == '_' && underscoreIsSpace)
            {
                bytes.Add((byte)' ');
            }
            else if (c == '\n')
            {
                bytes.Add((byte)'\r');
                bytes.Add((byte)'\n');
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        return [.. bytes];
    }

    private static string DecodeEncodedWords(string value)
    {
        // Adjacent encoded words (only whitespace between) are one run of bytes: a character may be split
        // between them, so their bytes are joined before decoding.
        var output = new StringBuilder();
        var run = new List<byte>();
        Encoding? runEncoding = null;
        var position = 0;
        foreach (Match match in EncodedWord().Matches(value))
        {
            var between = value[position..match.Index];
            if (runEncoding is null || !string.IsNullOrWhiteSpace(between))
            {
                Flush();
                output.Append(between);
            }

            runEncoding = Encoding.GetEncoding(match.Groups[1].Value);
            run.AddRange(match.Groups[2].Value.Equals("B", StringComparison.OrdinalIgnoreCase)
                ? Convert.FromBase64String(match.Groups[3].Value)
                : QuotedPrintable(match.Groups[3].Value, underscoreIsSpace: true));
            position = match.Index + match.Length;
        }

        Flush();
        output.Append(value[position..]);
        return output.ToString();

        void Flush()
        {
            if (runEncoding is not null)
            {
                output.Append(runEncoding.GetString([.. run]));
            }

            run.Clear();
            runEncoding = null;
        }
    }

    private static string? Parameter(string header, string name)
    {
        foreach (var part in header.Split(';').Skip(1))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && part[..equals].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return part[(equals + 1)..].Trim().Trim('"');
            }
        }

        return null;
    }

    private static string Address(string header)
    {
        var open = header.LastIndexOf('<');
        var close = header.LastIndexOf('>');
        return open >= 0 && close > open ? header[(open + 1)..close].Trim() : header.Trim();
    }

    [GeneratedRegex(@"https?://[^\s<>""]+")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"=\?([^?]+)\?([BbQq])\?([^?]*)\?=")]
    private static partial Regex EncodedWord();
}
