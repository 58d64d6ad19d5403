using System.Text;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Notifications;

/// <summary>
/// Absolute links for emails, built from <c>Warden:PublicBaseUrl</c>. Never from the request: its Host header
/// is chosen by whoever sends it, and a reset link pointing at an attacker's host leaks the token.
/// </summary>
public sealed class PublicLinks(IOptions<WardenOptions> options)
{
    /// <summary><c>Build("/account/verify-email", ("token", token))</c> → <c>https://id.example.com/account/verify-email?token=...</c>.</summary>
    public string Build(string path, params (string Name, string Value)[] query)
    {
        if (path.Contains("://", StringComparison.Ordinal) || path.StartsWith("//", StringComparison.Ordinal))
        {
            throw new ArgumentException("A public link takes a path, not a URL.", nameof(path));
        }

        var link = new StringBuilder(new Uri(options.Value.PublicBaseUri, path.TrimStart('/')).AbsoluteUri);
        var separator = link.ToString().Contains('?', StringComparison.Ordinal) ? '&' : '?';
        foreach (var (name, value) in query)
        {
            link.Append(separator).Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }

        return link.ToString();
    }
}
