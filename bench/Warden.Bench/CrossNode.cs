using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Warden.Bench;

/// <summary>
/// How long a change made on one node takes to reach the other (issue: several nodes, "within a second"): two
/// nodes on one database and one Redis, a user signed in on A and read on B (so B holds the cached answer), the
/// change made on A, then B asked every 2 ms until it answers the new way. The latency runs from the moment A
/// answered the change. Two kinds: a session revoked (B must refuse the token) and a profile renamed (B must read
/// the new name). Each sample uses a different seeded user; the figure is one JSON line per kind.
/// </summary>
public static class CrossNode
{
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(Options options)
    {
        using var a = RefreshDriver.Client(options.Text("a").TrimEnd('/'), 4);
        using var b = RefreshDriver.Client(options.Text("b").TrimEnd('/'), 4);
        var prefix = options.Text("prefix", "bench");
        var password = options.Text("password", "Bench-Password-42!");
        var first = options.Number("first", 0);
        var samples = options.Number("samples", 30);

        var revoked = new List<double>();
        var renamed = new List<double>();
        long errors = 0;
        var total = Stopwatch.StartNew();
        for (var i = 0; i < samples; i++)
        {
            var email = $"{prefix}-{first + i:D7}@bench.test";
            var (access, _) = await RefreshDriver.LoginAsync(a, email, password, CancellationToken.None);

            // Profile first (the token must still be live for it), then the session.
            var name = $"Renamed {Guid.NewGuid():N}";
            await ExpectAsync(b, HttpMethod.Get, "/api/v1/users/profile", access, null, HttpStatusCode.OK);
            var started = await ExpectAsync(a, HttpMethod.Patch, "/api/v1/users/profile", access, new { fullName = name }, HttpStatusCode.OK);
            if (await UntilAsync(async () =>
                {
                    using var response = await SendAsync(b, HttpMethod.Get, "/api/v1/users/profile", access, null);
                    using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    return body.RootElement.GetProperty("fullName").GetString() == name;
                }, started) is { } profileMs)
            {
                renamed.Add(profileMs);
            }
            else
            {
                errors++;
            }

            await ExpectAsync(b, HttpMethod.Get, "/api/v1/users/me", access, null, HttpStatusCode.OK);
            started = await ExpectAsync(a, HttpMethod.Post, "/api/v1/auth/logout", access, null, HttpStatusCode.NoContent);
            if (await UntilAsync(async () =>
                {
                    using var response = await SendAsync(b, HttpMethod.Get, "/api/v1/users/me", access, null);
                    return response.StatusCode == HttpStatusCode.Unauthorized;
                }, started) is { } revokeMs)
            {
                revoked.Add(revokeMs);
            }
            else
            {
                errors++;
            }
        }

        var seconds = total.Elapsed.TotalSeconds;
        const string Note = "from node A's answer to node B's first new answer, B polled every 2 ms; two nodes, one PostgreSQL, one Redis";
        // A rate means nothing here (the samples run one after another, with pauses): latencies only.
        Console.WriteLine((Measurement.FromLatencies("crossnode-revoke", revoked, seconds, 1, errors, null, Note) with { Rps = null }).ToJson());
        Console.WriteLine((Measurement.FromLatencies("crossnode-profile", renamed, seconds, 1, errors, null, Note) with { Rps = null }).ToJson());
        return 0;
    }

    /// <summary>Milliseconds from <paramref name="started"/> until <paramref name="done"/> holds, or null after <see cref="GiveUp"/>.</summary>
    private static async Task<double?> UntilAsync(Func<Task<bool>> done, Stopwatch started)
    {
        while (started.Elapsed < GiveUp)
        {
            if (await done())
            {
                return started.Elapsed.TotalMilliseconds;
            }

            await Task.Delay(2);
        }

        return null;
    }

    /// <summary>Sends, checks the status, and returns a stopwatch started when the answer arrived.</summary>
    private static async Task<Stopwatch> ExpectAsync(HttpClient node, HttpMethod method, string path, string token, object? body, HttpStatusCode status)
    {
        using var response = await SendAsync(node, method, path, token, body);
        var answered = Stopwatch.StartNew();
        if (response.StatusCode != status)
        {
            throw new InvalidOperationException($"crossnode: {method} {path} answered {(int)response.StatusCode}, expected {(int)status}");
        }

        return answered;
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient node, HttpMethod method, string path, string token, object? body)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return node.SendAsync(request);
    }
}
