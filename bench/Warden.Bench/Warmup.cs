using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Warden.Bench;

/// <summary>
/// Brings a fresh server to steady state before anything is measured: .NET compiles a method again, optimized,
/// only after it has run about 30 times, so the first few dozen sign-ins, refreshes and reads cost several
/// times what they cost later. The warm-up is counted in requests, not seconds, so a busy machine cannot cut
/// it short. Prints nothing; fails if a flow fails.
/// </summary>
public static class Warmup
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = options.Text("url").TrimEnd('/');
        var prefix = options.Text("prefix", "bench");
        var password = options.Text("password", "Bench-Password-42!");
        var users = (int)Math.Min(options.BigNumber("users", 64), 64);
        var rounds = options.Number("rounds", 40);
        const int Parallelism = 8;
        using var http = RefreshDriver.Client(url, Parallelism);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Parallelism };

        var tokens = new (string Access, string Refresh)[users];
        await Parallel.ForEachAsync(Enumerable.Range(0, users), parallel,
            async (i, ct) => tokens[i] = await RefreshDriver.LoginAsync(http, $"{prefix}-{i:D7}@bench.test", password, ct));

        var nonce = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Parallel.ForEachAsync(Enumerable.Range(0, rounds), parallel, async (i, ct) =>
        {
            using var response = await http.PostAsJsonAsync("/api/v1/auth/register",
                new { email = $"warm-{nonce}-{i}@bench.test", password, fullName = "Warm Up" }, ct);
            Expect(response, HttpStatusCode.Created, "register");
        });

        await Parallel.ForEachAsync(Enumerable.Range(0, Math.Min(users, Parallelism)), parallel, async (c, ct) =>
        {
            var refresh = tokens[c].Refresh;
            for (var r = 0; r < rounds; r++)
            {
                using var response = await http.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = refresh }, ct);
                Expect(response, HttpStatusCode.OK, "refresh");
                using var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct));
                refresh = body.RootElement.GetProperty("refreshToken").GetString()!;
            }
        });

        await Parallel.ForEachAsync(Enumerable.Range(0, rounds * 10), parallel, async (i, ct) =>
        {
            using var me = new HttpRequestMessage(HttpMethod.Get, "/api/v1/users/me");
            me.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[i % users].Access);
            using var response = await http.SendAsync(me, ct);
            Expect(response, HttpStatusCode.OK, "users/me");
            using var live = await http.GetAsync("/health/live", ct);
            Expect(live, HttpStatusCode.OK, "health/live");
        });
        return 0;
    }

    private static void Expect(HttpResponseMessage response, HttpStatusCode status, string what)
    {
        if (response.StatusCode != status)
        {
            throw new InvalidOperationException($"warm-up: {what} answered {(int)response.StatusCode}");
        }
    }
}
