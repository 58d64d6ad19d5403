using QRCoder;

namespace Warden.Server.Authentication.TwoFactor;

/// <summary>QR codes as PNG data URIs, drawn by QRCoder's own PNG writer (no System.Drawing, no native libraries).</summary>
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
}
