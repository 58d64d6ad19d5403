namespace Warden.Server.Profiles.Avatars;

/// <summary>An image type Warden serves as an avatar, recognised by its leading bytes, never by what the client declared.</summary>
public sealed record ImageFormat(string ContentType, string Extension)
{
    public static readonly ImageFormat Png = new("image/png", "png");
    public static readonly ImageFormat Jpeg = new("image/jpeg", "jpg");
    public static readonly ImageFormat WebP = new("image/webp", "webp");

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// PNG (8-byte signature), JPEG (SOI then a marker) or WebP (RIFF....WEBPVP8); null for anything else,
    /// including SVG and HTML, which a browser would run as a document.
    /// </summary>
    public static ImageFormat? Detect(ReadOnlySpan<byte> content)
    {
        if (content.Length >= 16 && content.StartsWith(PngSignature))
        {
            return Png;
        }

        if (content.Length >= 4 && content[0] == 0xFF && content[1] == 0xD8 && content[2] == 0xFF)
        {
            return Jpeg;
        }

        if (content.Length >= 16
            && content[..4].SequenceEqual("RIFF"u8)
            && content[8..12].SequenceEqual("WEBP"u8)
            && content[12..15].SequenceEqual("VP8"u8))
        {
            return WebP;
        }

        return null;
    }

    public static ImageFormat? FromExtension(string extension) => extension switch
    {
        "png" => Png,
        "jpg" => Jpeg,
        "webp" => WebP,
        _ => null,
    };
}
