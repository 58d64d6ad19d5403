using Microsoft.Extensions.Options;

namespace Warden.Server.Infrastructure.Hosting;

/// <summary>Top-level settings under <c>Warden</c>.</summary>
public sealed class WardenOptions
{
    public const string Section = "Warden";

    /// <summary>Holds the SQLite file, the development mail and SMS outputs and generated keys.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>
    /// The address people reach Warden at; links in emails are built from it, never from the request's Host
    /// header (which an attacker controls). Defaults to the first listening URL.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    public string DataPath(params string[] parts) => Path.Combine([Path.GetFullPath(DataDirectory), .. parts]);

    public Uri PublicBaseUri => new(PublicBaseUrl!.TrimEnd('/') + "/");
}

/// <summary>Fills the defaults that depend on other configuration (the listening URLs).</summary>
internal sealed class WardenOptionsSetup(IConfiguration configuration) : IPostConfigureOptions<WardenOptions>
{
    public void PostConfigure(string? name, WardenOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.PublicBaseUrl))
        {
            var urls = configuration["urls"] ?? WardenDefaults.Url;
            options.PublicBaseUrl = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .FirstOrDefault() ?? WardenDefaults.Url;
        }
    }
}

internal sealed class WardenOptionsValidator : IValidateOptions<WardenOptions>
{
    public ValidateOptionsResult Validate(string? name, WardenOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddErrorIf(string.IsNullOrWhiteSpace(options.DataDirectory), "Warden:DataDirectory must not be empty.");
        errors.AddErrorIf(
            !Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps),
            $"Warden:PublicBaseUrl must be an absolute http or https URL (got '{options.PublicBaseUrl}').");
        return errors.Build();
    }
}

public static class WardenDefaults
{
    public const string Url = "http://localhost:8080";
}
