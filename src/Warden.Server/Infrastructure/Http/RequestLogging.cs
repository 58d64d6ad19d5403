using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.HttpLogging;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Http;

/// <summary>Settings under <c>Warden:RequestLogging</c>: the gateway's request log (ASP.NET Core HTTP logging).</summary>
public sealed class RequestLoggingOptions
{
    public const string Section = "Warden:RequestLogging";

    /// <summary>One log entry per request (method, path, query, allowed headers, status, duration). Off by default.</summary>
    public bool Enabled { get; set; }

    /// <summary>Also log request bodies (JSON and forms only), with every credential, token, code and secret redacted.</summary>
    public bool RequestBodies { get; set; }

    /// <summary>At most this many bytes of a request body are logged.</summary>
    public int MaxBodyBytes { get; set; } = 4096;
}

internal sealed class RequestLoggingOptionsValidator : IValidateOptions<RequestLoggingOptions>
{
    public ValidateOptionsResult Validate(string? name, RequestLoggingOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.Between("Warden:RequestLogging:MaxBodyBytes", options.MaxBodyBytes, 1, 1024 * 1024);
        return errors.Build();
    }
}

/// <summary>
/// What the request log may show. Headers outside ASP.NET Core's allow-list (Authorization, Cookie, Set-Cookie, API
/// keys) are written as <c>[Redacted]</c> by the middleware itself; the query and, when enabled, the body are
/// written here with the value of every field whose name suggests a secret replaced. Response bodies are never logged:
/// they hold the tokens. A name is secret when it contains password, secret, token, code, otp, credential, assertion,
/// signature, apikey or recovery: too much is redacted rather than too little.
/// </summary>
internal sealed partial class RedactingHttpLoggingInterceptor(IOptions<RequestLoggingOptions> options) : IHttpLoggingInterceptor
{
    private const string Redacted = "[Redacted]";

    private static readonly string[] SecretNameParts =
        ["password", "passwd", "secret", "token", "code", "otp", "credential", "assertion", "signature", "apikey", "recovery", "cookie", "authorization"];

    public async ValueTask OnRequestAsync(HttpLoggingInterceptorContext logContext)
    {
        var request = logContext.HttpContext.Request;
        // The middleware would write the query and bodies as they are; this writes them redacted instead.
        logContext.LoggingFields &= ~(HttpLoggingFields.RequestQuery | HttpLoggingFields.RequestBody | HttpLoggingFields.ResponseBody);
        if (request.QueryString.HasValue)
        {
            logContext.AddParameter("QueryString", RedactForm(request.QueryString.Value!));
        }

        if (options.Value.RequestBodies && request.ContentLength is > 0 or null && HasBody(request.Method))
        {
            logContext.AddParameter("RequestBody", await ReadRedactedBodyAsync(request, options.Value.MaxBodyBytes));
        }
    }

    public ValueTask OnResponseAsync(HttpLoggingInterceptorContext logContext) => ValueTask.CompletedTask;

    internal static bool IsSecretName(string name)
    {
        var normalized = name.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        return normalized.Equals("pin", StringComparison.OrdinalIgnoreCase)
               || SecretNameParts.Any(part => normalized.Contains(part, StringComparison.OrdinalIgnoreCase));
    }

    private static bool HasBody(string method) => HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method);

    private static async Task<string> ReadRedactedBodyAsync(HttpRequest request, int limit)
    {
        var type = request.ContentType ?? "";
        var json = type.Contains("json", StringComparison.OrdinalIgnoreCase);
        var form = type.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);
        if (!json && !form)
        {
            return $"[{request.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"} bytes of {(type.Length == 0 ? "no content type" : type)}, not logged]";
        }

        // Buffered, read up to the limit and rewound: the endpoint still reads the whole body.
        request.EnableBuffering();
        var buffer = new byte[limit];
        var read = 0;
        int chunk;
        while (read < limit && (chunk = await request.Body.ReadAsync(buffer.AsMemory(read, limit - read), request.HttpContext.RequestAborted)) > 0)
        {
            read += chunk;
        }

        request.Body.Position = 0;
        var text = Encoding.UTF8.GetString(buffer, 0, read);
        var redacted = json ? RedactJson(text) : RedactForm(text);
        return read == limit ? redacted + "…[truncated]" : redacted;
    }

    /// <summary>
    /// By pattern, not by parsing: a body cut at the limit, or malformed on purpose, is redacted as well as a valid one.
    /// A secret field's value (a string, a number or literal, an array of them) is replaced; an object under a secret
    /// name has its members judged one by one, like the members of any other object or array.
    /// </summary>
    internal static string RedactJson(string text) => JsonMember().Replace(text, match =>
    {
        var value = match.Groups["value"].Value;
        if (value.Length > 0 && IsSecretName(match.Groups["name"].Value))
        {
            return $"{match.Groups["head"].Value}\"{Redacted}\"";
        }

        return value.StartsWith('[') ? match.Groups["head"].Value + RedactJson(value) : match.Value;
    });

    internal static string RedactForm(string text)
    {
        var prefix = text.StartsWith('?') ? "?" : "";
        var pairs = text[prefix.Length..].Split('&');
        for (var i = 0; i < pairs.Length; i++)
        {
            var equals = pairs[i].IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString((equals < 0 ? pairs[i] : pairs[i][..equals]).Replace('+', ' '));
            if (equals >= 0 && IsSecretName(name))
            {
                pairs[i] = pairs[i][..(equals + 1)] + Redacted;
            }
        }

        return prefix + string.Join('&', pairs);
    }

    [GeneratedRegex("""(?<head>"(?<name>(?:[^"\\]|\\.){1,200})"\s*:\s*)(?<value>"(?:[^"\\]|\\.)*"?|\[[^\]]*\]?|[^\s,}\]{\[]+)?""", RegexOptions.CultureInvariant)]
    private static partial Regex JsonMember();
}

public static class RequestLoggingSetup
{
    public static IServiceCollection AddWardenRequestLogging(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<RequestLoggingOptions, RequestLoggingOptionsValidator>(configuration, RequestLoggingOptions.Section);
        services.AddHttpLogging(logging =>
        {
            logging.LoggingFields = HttpLoggingFields.RequestPropertiesAndHeaders | HttpLoggingFields.ResponsePropertiesAndHeaders
                                    | HttpLoggingFields.Duration;
            logging.CombineLogs = true; // one entry per request
            // The default header allow-lists stay: Authorization, Cookie and Set-Cookie are not on them.
            logging.RequestHeaders.Remove("Authorization");
            logging.RequestHeaders.Remove("Cookie");
            logging.ResponseHeaders.Remove("Set-Cookie");
        });
        services.AddHttpLoggingInterceptor<RedactingHttpLoggingInterceptor>();
        if (configuration.GetValue<bool>($"{RequestLoggingOptions.Section}:Enabled"))
        {
            // The middleware logs at Information; a deployment logging at Warning would switch it on and see nothing.
            services.AddLogging(logging => logging.AddFilter("Microsoft.AspNetCore.HttpLogging", LogLevel.Information));
        }

        return services;
    }

    public static WebApplication UseWardenRequestLogging(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<RequestLoggingOptions>>().Value.Enabled)
        {
            app.UseHttpLogging();
        }

        return app;
    }
}
