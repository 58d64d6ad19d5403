using System.Globalization;

namespace Warden.Server.Infrastructure.Hosting;

/// <summary>
/// The client side of <c>warden healthcheck</c>: a container's HEALTHCHECK with no curl or wget in the image. It asks
/// the server of the same configuration (its <c>urls</c> or <c>http_ports</c>, from the command line and the
/// environment, else <see cref="WardenDefaults.Url"/>) for <c>/health/live</c> over loopback. It builds no host and
/// opens no database: it runs every few seconds and must cost next to nothing.
/// </summary>
internal static class HealthProbe
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>The live endpoint of the server <paramref name="configuration"/> describes, reached over loopback.</summary>
    public static Uri LiveUri(IConfiguration configuration)
    {
        var url = FirstOf(configuration["urls"]);
        if (url is null && FirstOf(configuration["http_ports"]) is { } port)
        {
            url = $"http://127.0.0.1:{port}";
        }

        // Wildcard hosts (+, *, 0.0.0.0, [::]) are listening addresses, not places to connect to.
        var address = (url ?? WardenDefaults.Url).Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://[::]", "://[::1]", StringComparison.Ordinal);
        return new Uri(new Uri(address.TrimEnd('/') + "/"), "health/live");
    }

    /// <summary>0 when the server answers 200, 1 otherwise (with the reason on standard error).</summary>
    public static async Task<int> RunAsync(IConfiguration configuration, CancellationToken cancellationToken)
    {
        var uri = LiveUri(configuration);
        using var http = new HttpClient { Timeout = Timeout };
        try
        {
            using var response = await http.GetAsync(uri, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return 0;
            }

            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"healthcheck: {uri} answered {(int)response.StatusCode}."));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"healthcheck: {uri} did not answer ({ex.Message}).");
        }

        return 1;
    }

    private static string? FirstOf(string? list) =>
        list?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
}
