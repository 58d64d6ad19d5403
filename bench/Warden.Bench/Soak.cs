using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Warden.Bench;

/// <summary>
/// The mixed soak (issue 25's memory aim): for <c>--seconds</c>, <c>--clients</c> clients each send requests of a kind
/// drawn by weight — authenticated reads, token refreshes, password sign-ins, registrations — against one server, while
/// the server's resident memory (<c>/proc/PID/status</c>) is sampled every <c>--sample</c> seconds; then nothing for
/// <c>--idle</c> seconds, still sampling. Prints the samples to standard error and one JSON summary line: requests and
/// errors by kind, peak RSS (VmHWM), RSS at the end of the load and after the idle minute, the server's CPU seconds.
/// </summary>
public static class Soak
{
    private static readonly string[] Kinds = ["read", "refresh", "signin", "register"];

    public static async Task<int> RunAsync(Options options)
    {
        var url = options.Text("url").TrimEnd('/');
        var clients = options.Number("clients", 16);
        var seconds = options.Number("seconds", 300);
        var idle = options.Number("idle", 60);
        var sample = options.Number("sample", 5);
        var serverPid = options.Number("server-pid");
        var ticks = options.Number("clk-tck", 100);
        var prefix = options.Text("prefix", "bench");
        var users = options.Number("users", 2000);
        var password = options.Text("password", "Bench-Password-42!");
        var nonce = options.Text("nonce", DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture));
        // Weights in percent: read, refresh, sign-in, registration (a day's traffic is mostly reads of live tokens).
        var weights = options.Text("mix", "70,20,8,2").Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToArray();
        if (weights.Length != Kinds.Length || weights.Sum() <= 0)
        {
            throw new ArgumentException("--mix is four weights: read,refresh,signin,register");
        }

        using var http = RefreshDriver.Client(url, clients);
        var sessions = new (string Access, string Refresh)[clients];
        await Parallel.ForEachAsync(Enumerable.Range(0, clients), new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (c, ct) => sessions[c] = await RefreshDriver.LoginAsync(http, Email(prefix, c % users), password, ct));

        var counts = new long[Kinds.Length];
        var errors = new long[Kinds.Length];
        var samples = new List<(double At, long RssMb, long PeakMb)>();
        var stopwatch = Stopwatch.StartNew();
        var cpuAtStart = ProcessCpu.Seconds(serverPid, ticks);
        var loadEnd = TimeSpan.FromSeconds(seconds);
        var end = loadEnd + TimeSpan.FromSeconds(idle);

        var sampler = Task.Run(async () =>
        {
            while (stopwatch.Elapsed < end)
            {
                var (rss, peak) = Memory(serverPid);
                lock (samples)
                {
                    samples.Add((stopwatch.Elapsed.TotalSeconds, rss, peak));
                }

                Console.Error.WriteLine(FormattableString.Invariant(
                    $"soak: t={stopwatch.Elapsed.TotalSeconds:F0}s rss={rss}MB peak={peak}MB requests={counts.Sum()} errors={errors.Sum()}{(stopwatch.Elapsed >= loadEnd ? " (idle)" : "")}"));
                await Task.Delay(TimeSpan.FromSeconds(sample));
            }
        });

        var next = (long)clients;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var random = new Random(c);
            var (access, refresh) = sessions[c];
            var registered = 0;
            while (stopwatch.Elapsed < loadEnd)
            {
                var kind = Pick(random, weights);
                try
                {
                    switch (kind)
                    {
                        case 0:
                            using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/users/me"))
                            {
                                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", access);
                                using var response = await http.SendAsync(request);
                                Count(kind, response.StatusCode == HttpStatusCode.OK);
                            }

                            break;
                        case 1:
                            using (var response = await http.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = refresh }))
                            {
                                if (response.StatusCode == HttpStatusCode.OK)
                                {
                                    using var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
                                    (access, refresh) = (body.RootElement.GetProperty("accessToken").GetString()!, body.RootElement.GetProperty("refreshToken").GetString()!);
                                }

                                Count(kind, response.StatusCode == HttpStatusCode.OK);
                            }

                            break;
                        case 2:
                            // A sign-in as another user (the client keeps its own session for reads and refreshes).
                            var user = (int)(Interlocked.Increment(ref next) % users);
                            using (var response = await http.PostAsJsonAsync("/api/v1/auth/login", new { email = Email(prefix, user), password }))
                            {
                                Count(kind, response.StatusCode == HttpStatusCode.OK);
                            }

                            break;
                        default:
                            var email = $"soak-{nonce}-{c}-{registered++}@bench.test";
                            using (var response = await http.PostAsJsonAsync("/api/v1/auth/register", new { email, password, fullName = "Soak Registrant" }))
                            {
                                Count(kind, response.IsSuccessStatusCode);
                            }

                            break;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    Count(kind, false);
                }
            }
        })));
        var cpu = ProcessCpu.Seconds(serverPid, ticks) - cpuAtStart;
        var atLoadEnd = Memory(serverPid).RssMb;
        await sampler;
        var (after, peakMb) = Memory(serverPid);

        var summary = new Dictionary<string, object>
        {
            ["figure"] = "soak",
            ["seconds"] = seconds,
            ["idle_seconds"] = idle,
            ["clients"] = clients,
            ["mix"] = string.Join(',', weights),
            ["peak_rss_mb"] = peakMb,
            ["max_sampled_rss_mb"] = samples.Max(s => s.RssMb),
            ["rss_at_load_end_mb"] = atLoadEnd,
            ["rss_after_idle_mb"] = after,
            ["server_cpu_seconds_load"] = Math.Round(cpu, 1),
        };
        for (var k = 0; k < Kinds.Length; k++)
        {
            summary[$"{Kinds[k]}_requests"] = counts[k];
            summary[$"{Kinds[k]}_errors"] = errors[k];
        }

        Console.WriteLine(JsonSerializer.Serialize(summary));
        return 0;

        void Count(int kind, bool ok)
        {
            Interlocked.Increment(ref counts[kind]);
            if (!ok)
            {
                Interlocked.Increment(ref errors[kind]);
            }
        }
    }

    private static string Email(string prefix, long i) => $"{prefix}-{i:D7}@bench.test";

    private static int Pick(Random random, int[] weights)
    {
        var roll = random.Next(weights.Sum());
        for (var k = 0; k < weights.Length; k++)
        {
            if ((roll -= weights[k]) < 0)
            {
                return k;
            }
        }

        return weights.Length - 1;
    }

    /// <summary>Resident memory now and its peak so far, in MB, from <c>/proc/PID/status</c>.</summary>
    private static (long RssMb, long PeakMb) Memory(int pid)
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kb(line) / 1024;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kb(line) / 1024;
            }
        }

        return (rss, peak);

        static long Kb(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
