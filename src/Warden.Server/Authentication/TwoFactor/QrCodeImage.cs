using QRCoder;

namespace Warden.Server.Authentication.TwoFactor;

/// <summary>QR codes as PNG data URIs or SVG markup, drawn by QRCoder's own writers (no System.Drawing, no native libraries).</summary>
public static class QrCodeImage
{
    /// <summary><c>data:image/png;base64,...</c> of <paramref name="text"/> (an otpauth URI holds the TOTP secret: never log it).</summary>
    public static string PngDataUri(string text, int pixelsPerModule = 5)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(pixelsPerModule, 1);
        using var generator = new QRCodeGenerator();
        // Level M (15% recovery) keeps a 32-character secret plus labels scannable from a laptop screen.
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(pixelsPerModule);
        return "data:image/png;base64," + Convert.ToBase64String(png);
    }

    /// <summary>
    /// <c>&lt;svg&gt;</c> markup of <paramref name="text"/> for an HTML page (the account pages inline it: no request, no
    /// script, no style attribute, so their Content-Security-Policy needs nothing more). Sized by its <c>viewBox</c>.
    /// </summary>
    public static string Svg(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        return new SvgQRCode(data).GetGraphic(4, "#000000", "#ffffff", drawQuietZones: true, SvgQRCode.SizingMode.ViewBoxAttribute);
    }
}
