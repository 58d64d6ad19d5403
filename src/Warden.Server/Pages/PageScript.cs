using System.Security.Cryptography;

namespace Warden.Server.Pages;

/// <summary>
/// The account pages' one script, <c>Assets/passkeys.js</c> (WebAuthn needs <c>navigator.credentials</c>): embedded,
/// served from Warden itself at a URL carrying its hash (cached for a year), and allowed by the pages' policy as
/// <c>script-src 'self'</c> — no inline script, no other origin. Pages work without it, passkeys aside.
/// </summary>
public sealed class PageScript
{
    public const string Path = "/account/assets/passkeys.js";

    public PageScript()
    {
        using var stream = typeof(PageScript).Assembly.GetManifestResourceStream("Warden.Server.Pages.Assets.passkeys.js")
                           ?? throw new InvalidOperationException("The passkey script is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        Content = copy.ToArray();
        Url = Path + "?v=" + Convert.ToHexStringLower(SHA256.HashData(Content))[..16];
    }

    public byte[] Content { get; }

    public string Url { get; }

    public IResult Serve() => TypedResults.Bytes(Content, "text/javascript; charset=utf-8");
}
