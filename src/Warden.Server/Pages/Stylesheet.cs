using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Warden.Server.Pages;

/// <summary>
/// The one stylesheet, built once at start-up from the embedded <c>Assets/warden.css</c> (with the console's <c>admin.css</c>) and the brand colour, and
/// served at a URL that carries its hash: it can be cached for a year, and a new colour or release is a new URL.
/// </summary>
public sealed class Stylesheet
{
    public const string Path = "/account/assets/warden.css";

    public Stylesheet(IOptions<BrandOptions> brand)
    {
        var color = brand.Value.PrimaryColor;
        var text = $":root {{ --brand: {color}; --brand-contrast: {Contrast(color)}; --brand-text: {color}; }}\n"
                   + "@media (prefers-color-scheme: dark) { :root { --brand-text: #9ec1ff; } }\n"
                   + Read("warden.css") + "\n" + Read("admin.css");
        Content = Encoding.UTF8.GetBytes(text);
        Url = Path + "?v=" + Convert.ToHexStringLower(SHA256.HashData(Content))[..16];
    }

    public byte[] Content { get; }

    private static string Read(string name)
    {
        using var stream = typeof(Stylesheet).Assembly.GetManifestResourceStream("Warden.Server.Pages.Assets." + name)
                           ?? throw new InvalidOperationException($"The stylesheet {name} is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public string Url { get; }

    /// <summary>Black or white text on the brand colour, whichever reads better (WCAG relative luminance).</summary>
    private static string Contrast(string hex)
    {
        double Channel(int offset)
        {
            var c = int.Parse(hex.AsSpan(offset, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0;
            return c <= 0.03928 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
        }

        var luminance = 0.2126 * Channel(1) + 0.7152 * Channel(3) + 0.0722 * Channel(5);
        return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? "#000000" : "#ffffff";
    }

    public IResult Serve() => TypedResults.Bytes(Content, "text/css; charset=utf-8");
}
