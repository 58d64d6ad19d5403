using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Users;

namespace Warden.Server.Pages;

/// <summary><c>Warden:Brand</c>: what the account pages show as the product.</summary>
public sealed class BrandOptions
{
    public const string Section = "Warden:Brand";

    public string ProductName { get; set; } = "Warden";

    /// <summary>A local path (<c>/brand/logo.svg</c>) or an https address; none by default.</summary>
    public string? LogoUrl { get; set; }

    /// <summary><c>#rrggbb</c>; the stylesheet derives the rest of the palette from it.</summary>
    public string PrimaryColor { get; set; } = "#2f5bd3";

    public string? SupportEmail { get; set; }
}

/// <summary><c>Warden:Pages</c>: the browser session and where a sign-in may send the browser back to.</summary>
public sealed class PageOptions
{
    public const string Section = "Warden:Pages";

    /// <summary>
    /// A browser session without "remember me" ends after this long without a request (its absolute end is the
    /// session lifetime, <c>Warden:Authentication:SessionLifetime</c> or <c>RememberMeSessionLifetime</c>).
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Origins (<c>https://app.example.com</c>) a <c>returnUrl</c> may name besides Warden's own paths.</summary>
    public List<string> ReturnOrigins { get; set; } = [];
}

internal sealed partial class BrandOptionsValidator : IValidateOptions<BrandOptions>
{
    public ValidateOptionsResult Validate(string? name, BrandOptions o)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddErrorIf(string.IsNullOrWhiteSpace(o.ProductName) || o.ProductName.Length > 60 || o.ProductName.Any(char.IsControl),
            $"{BrandOptions.Section}:ProductName must be 1 to 60 printable characters (got '{o.ProductName}').");
        errors.AddErrorIf(!Color().IsMatch(o.PrimaryColor ?? ""),
            $"{BrandOptions.Section}:PrimaryColor must be a colour such as #2f5bd3 (got '{o.PrimaryColor}').");
        errors.AddErrorIf(o.LogoUrl is not null && !IsLogoUrl(o.LogoUrl),
            $"{BrandOptions.Section}:LogoUrl must be a local path (/brand/logo.svg) or an https address (got '{o.LogoUrl}').");
        errors.AddErrorIf(o.SupportEmail is not null && !EmailAddress.IsValid(o.SupportEmail),
            $"{BrandOptions.Section}:SupportEmail must be an email address (got '{o.SupportEmail}').");
        return errors.Build();
    }

    private static bool IsLogoUrl(string url) =>
        ReturnUrls.IsLocalPath(url)
        || (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && string.IsNullOrEmpty(uri.UserInfo));

    [GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    private static partial Regex Color();
}

internal sealed class PageOptionsValidator : IValidateOptions<PageOptions>
{
    public ValidateOptionsResult Validate(string? name, PageOptions o)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.Positive($"{PageOptions.Section}:IdleTimeout", o.IdleTimeout, "00:30:00");
        foreach (var origin in o.ReturnOrigins)
        {
            errors.AddErrorIf(ReturnUrls.Origin(origin) is null || ReturnUrls.Origin(origin) != origin.TrimEnd('/'),
                $"{PageOptions.Section}:ReturnOrigins entries must be origins such as https://app.example.com, without a path (got '{origin}').");
        }

        return errors.Build();
    }
}
