using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Warden.Bench;

/// <summary>
/// Figure 4: token refreshes per second. Stateful, so not wrk: each client signs in once as its own user, then
/// trades its current refresh token for the next as fast as it can. A refused refresh (which should never
/// happen) counts as an error and the client signs in again, outside the timed loop's figures.
/// </summary>
public static class RefreshDriver
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = options.Text("url").TrimEnd('/');
        var clients = options.Number("clients", 16);
        var seconds = options.Number("seconds", 10);
        var warmup = TimeSpan.FromSeconds(options.Number("warmup", 0));
        var serverPid = options.Number("server-pid", 0);
        var ticks = options.Number("clk-tck", 100);
        double? cpuAtStart = null;
        var prefix = options.Text("prefix", "bench");
        var first = options.BigNumber("first", 0);
        var password = options.Text("password", "Bench-Password-42!");

        using var http = Client(url, clients);
        var tokens = new string[clients];
        await Parallel.ForEachAsync(Enumerable.Range(0, clients), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount * 2 },
            async (c, ct) => tokens[c] = (await LoginAsync(http, $"{prefix}-{first + c:D7}@bench.test", password, ct)).RefreshToken);

        var latencies = new List<double>[clients];
        var errors = 0L;
        var stopwatch = Stopwatch.StartNew();
        var deadline = warmup + TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = [];
            var token = tokens[c];
            while (stopwatch.Elapsed < deadline)
            {
                if (c == 0 && cpuAtStart is null && serverPid > 0 && stopwatch.Elapsed >= warmup)
                {
                    cpuAtStart = ProcessCpu.Seconds(serverPid, ticks);
                }

                var started = Stopwatch.GetTimestamp();
                using var response = await http.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = token });
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    using var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
                    token = body.RootElement.GetProperty("refreshToken").GetString()!;
                    if (stopwatch.Elapsed - Stopwatch.GetElapsedTime(started) >= warmup)
                    {
                        mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds); // measured only after the warm-up
                    }
                }
                else
                {
                    Interlocked.Increment(ref errors);
                    Console.Error.WriteLine($"refresh: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    token = (await LoginAsync(http, $"{prefix}-{first + c:D7}@bench.test", password, CancellationToken.None)).RefreshToken;
                }
            }
        })));
        var elapsed = (stopwatch.Elapsed - warmup).TotalSeconds;
        double? cpu = serverPid > 0 && cpuAtStart is { } start ? ProcessCpu.Seconds(serverPid, ticks) - start : null;

        Console.WriteLine(Measurement.FromLatencies("refresh", [.. latencies.SelectMany(l => l)], elapsed, clients, errors, cpu,
            "C# driver (bench/Warden.Bench), one rotating token per client").ToJson());
        return 0;
    }

    public static HttpClient Client(string url, int connections) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    })
    {
        BaseAddress = new Uri(url),
        Timeout = TimeSpan.FromSeconds(30),
    };

    public static async Task<(string AccessToken, string RefreshToken)> LoginAsync(HttpClient http, string email, string password, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/auth/login", new { email, password }, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"login of {email} failed: {(int)response.StatusCode} {text}");
        }

        using var body = JsonDocument.Parse(text);
        if (!body.RootElement.TryGetProperty("accessToken", out var access))
        {
            throw new InvalidOperationException($"login of {email} did not return tokens: {text}");
        }

        return (access.GetString()!, body.RootElement.GetProperty("refreshToken").GetString()!);
    }
}

/// <summary>Signs in and prints the access token (for wrk's authenticated scenarios).</summary>
public static class TokenCommand
{
    public static async Task<int> RunAsync(Options options)
    {
        using var http = RefreshDriver.Client(options.Text("url").TrimEnd('/'), 1);
        var (access, _) = await RefreshDriver.LoginAsync(http, options.Text("email"), options.Text("password"), CancellationToken.None);
        Console.WriteLine(access);
        return 0;
    }
}
