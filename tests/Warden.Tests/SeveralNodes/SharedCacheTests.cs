using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Xunit.Abstractions;
using static Warden.Tests.SeveralNodes.TwoNodes;

namespace Warden.Tests.SeveralNodes;

/// <summary>
/// Two nodes sharing caches and rate limits through Redis (docs/operations.md#several-nodes): what one node changes,
/// the other sees within a second, not when its cache entry expires (10 s for sessions, 30 s for permissions,
/// 5 minutes for profiles by default); and with Redis gone both keep serving on their own.
/// </summary>
[PostgresOnly]
[Collection(TwoNodesCollection.Name)]
public sealed class SharedCacheTests(TwoNodes nodes, ITestOutputHelper output)
{
    private static readonly TimeSpan WithinASecond = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task ASessionRevokedOnOneNodeIsRefusedOnTheOtherWithinASecond()
    {
        var (_, email) = await nodes.CreateUserAsync();
        var token = (await nodes.ToA.LoginAsync(email)).AccessToken;
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(nodes.ToB, "/api/v1/users/me", token)); // B caches "active"

        var revoked = Stopwatch.StartNew();
        (await SendAsync(nodes.ToA, HttpMethod.Post, "/api/v1/auth/logout", token)).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(nodes.ToA, "/api/v1/users/me", token));
        await Eventually.TrueAsync(async () => await StatusAsync(nodes.ToB, "/api/v1/users/me", token) == HttpStatusCode.Unauthorized,
            "node B to refuse the session node A revoked", WithinASecond);
        output.WriteLine($"revoked on A, refused on B after {revoked.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task ARoleRemovedOnOneNodeNoLongerGrantsOnTheOther()
    {
        var (moderatorId, email) = await nodes.CreateUserAsync("user", "moderator");
        var (otherId, _) = await nodes.CreateUserAsync();
        var token = (await nodes.ToA.LoginAsync(email)).AccessToken;
        var someoneElsesProfile = $"/api/v1/users/{otherId}/profile";
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(nodes.ToB, someoneElsesProfile, token)); // B caches read:all
        // Without read:all someone else's profile answers as a missing one (no enumeration).

        var removed = Stopwatch.StartNew();
        (await SendAsync(nodes.ToA, HttpMethod.Delete, $"/api/v1/admin/users/{moderatorId}/roles/moderator", nodes.AdminToken)).EnsureSuccessStatusCode();

        await Eventually.TrueAsync(async () => await StatusAsync(nodes.ToB, someoneElsesProfile, token) == HttpStatusCode.NotFound,
            "node B to deny what the role removed on node A granted", WithinASecond);
        output.WriteLine($"role removed on A, denied on B after {removed.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task AProfileChangedOnOneNodeReadsNewOnTheOther()
    {
        var (_, email) = await nodes.CreateUserAsync();
        var token = (await nodes.ToA.LoginAsync(email)).AccessToken;
        await GetJsonAsync(nodes.ToB, "/api/v1/users/profile", token); // B caches the profile

        var changed = Stopwatch.StartNew();
        (await SendAsync(nodes.ToA, HttpMethod.Patch, "/api/v1/users/profile", token, new { fullName = "Renamed On A" })).EnsureSuccessStatusCode();

        await Eventually.TrueAsync(
            async () => (await GetJsonAsync(nodes.ToB, "/api/v1/users/profile", token)).GetProperty("fullName").GetString() == "Renamed On A",
            "node B to read the profile changed on node A", WithinASecond);
        output.WriteLine($"profile changed on A, read on B after {changed.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task AnAddressDeniedOnOneNodeIsRefusedByTheOtherWithinASecond()
    {
        async Task<HttpStatusCode> FromTestAddressAsync(HttpClient node)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/openid-configuration");
            request.Headers.Add("X-Forwarded-For", "203.0.113.7");
            using var response = await node.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await FromTestAddressAsync(nodes.ToB)); // B has loaded its rules

        var denied = Stopwatch.StartNew();
        using var created = await SendAsync(nodes.ToA, HttpMethod.Post, "/api/v1/admin/ip-rules", nodes.AdminToken,
            new { action = "deny", network = "203.0.113.0/24", note = "two-node test" });
        var id = (await created.ReadJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
        try
        {
            await Eventually.TrueAsync(async () => await FromTestAddressAsync(nodes.ToB) == HttpStatusCode.Forbidden,
                "node B to refuse the address denied on node A", WithinASecond);
            output.WriteLine($"address denied on A, refused on B after {denied.ElapsedMilliseconds} ms");
        }
        finally
        {
            (await SendAsync(nodes.ToA, HttpMethod.Delete, $"/api/v1/admin/ip-rules/{id}", nodes.AdminToken)).EnsureSuccessStatusCode();
        }

        await Eventually.TrueAsync(async () => await FromTestAddressAsync(nodes.ToB) == HttpStatusCode.OK,
            "node B to serve the address again once the rule is gone on node A", WithinASecond);
    }

    [Fact]
    public async Task TheSignInRateLimitHoldsForBothNodesTogether()
    {
        output.WriteLine($"node A ready after {nodes.A.StartTime.TotalMilliseconds:F0} ms, node B after {nodes.B.StartTime.TotalMilliseconds:F0} ms");
        var (_, email) = await nodes.CreateUserAsync();
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < LoginsPerIdentifier + 4; i++)
        {
            using var response = await (i % 2 == 0 ? nodes.ToA : nodes.ToB).PostLoginAsync(email);
            answers.Add(response.StatusCode);
        }

        // Per node that would be 6 + 4 accepted (5 on each); shared, the sixth is the last.
        Assert.Equal(LoginsPerIdentifier, answers.Count(a => a == HttpStatusCode.OK));
        Assert.All(answers.Skip(LoginsPerIdentifier), a => Assert.Equal(HttpStatusCode.TooManyRequests, a));
    }

    [Fact]
    public async Task WithRedisGoneBothNodesKeepServingAndShareAgainWhenItReturns()
    {
        var (_, email) = await nodes.CreateUserAsync();
        var token = (await nodes.ToA.LoginAsync(email)).AccessToken;
        var revokedWhileDown = (await nodes.ToA.LoginAsync(email)).AccessToken;
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(nodes.ToB, "/api/v1/users/me", revokedWhileDown));

        await nodes.Redis.StopAsync();
        try
        {
            foreach (var node in new[] { nodes.ToA, nodes.ToB })
            {
                Assert.Equal(HttpStatusCode.OK, await StatusAsync(node, "/api/v1/users/me", token));
                using var signIn = await node.PostLoginAsync(email);
                Assert.Equal(HttpStatusCode.OK, signIn.StatusCode); // per-node limits, not an error and not unlimited
            }

            // No invalidation can cross now: B serves what it holds for at most 5 seconds, then asks the database.
            var revoked = Stopwatch.StartNew();
            (await SendAsync(nodes.ToA, HttpMethod.Post, "/api/v1/auth/logout", revokedWhileDown)).EnsureSuccessStatusCode();
            await Eventually.TrueAsync(async () => await StatusAsync(nodes.ToB, "/api/v1/users/me", revokedWhileDown) == HttpStatusCode.Unauthorized,
                "node B to refuse a session revoked while Redis was away, after at most 5 s", TimeSpan.FromSeconds(8));
            output.WriteLine($"Redis down: revoked on A, refused on B after {revoked.ElapsedMilliseconds} ms");
            Assert.Contains("warden_redis_available 0", await nodes.ToA.GetStringAsync("/metrics"), StringComparison.Ordinal);
            Assert.Contains("warden_redis_fallbacks_total{what=\"rate_limit\"}", await nodes.ToB.GetStringAsync("/metrics"), StringComparison.Ordinal);
            Assert.Contains("Redis is not reachable", nodes.B.Output, StringComparison.Ordinal);
        }
        finally
        {
            await nodes.Redis.RestartAsync();
        }

        var restarted = Stopwatch.StartNew();
        await Eventually.TrueAsync(async () =>
            (await nodes.ToA.GetStringAsync("/metrics")).Contains("warden_redis_available 1", StringComparison.Ordinal)
            && (await nodes.ToB.GetStringAsync("/metrics")).Contains("warden_redis_available 1", StringComparison.Ordinal),
            "both nodes to reconnect to Redis", TimeSpan.FromSeconds(15));
        output.WriteLine($"Redis back: both nodes connected after {restarted.ElapsedMilliseconds} ms");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(nodes.ToB, "/api/v1/users/me", token));

        // Sharing resumes once the backplane is subscribed again: a revocation crosses within a second again.
        var again = Stopwatch.StartNew();
        await Eventually.TrueAsync(RevocationCrossesWithinASecondAsync, "a revocation on A to be refused on B within a second again", TimeSpan.FromSeconds(20));
        output.WriteLine($"Redis back: sharing resumed {again.ElapsedMilliseconds} ms after both nodes reconnected");
    }

    private async Task<bool> RevocationCrossesWithinASecondAsync()
    {
        var (_, email) = await nodes.CreateUserAsync();
        var token = (await nodes.ToA.LoginAsync(email)).AccessToken;
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(nodes.ToB, "/api/v1/users/me", token));
        var revoked = Stopwatch.StartNew();
        (await SendAsync(nodes.ToA, HttpMethod.Post, "/api/v1/auth/logout", token)).EnsureSuccessStatusCode();
        while (revoked.Elapsed < TimeSpan.FromSeconds(1))
        {
            if (await StatusAsync(nodes.ToB, "/api/v1/users/me", token) == HttpStatusCode.Unauthorized)
            {
                return true;
            }

            await Task.Delay(25);
        }

        return false;
    }
}
