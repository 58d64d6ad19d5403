using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Analytics;

/// <summary>Each test runs its own server, so the numbers are exactly what the test did (plus the seeded administrator).</summary>
public sealed class StatsTests
{
    [Fact]
    public async Task StatsAreExactAfterAKnownSetOfActions()
    {
        await using var factory = new OutsideFactory();
        var client = factory.CreateClient();
        var admin = await factory.AdminClientAsync(); // 1 login (the administrator)

        var (active, _) = await factory.SignedInUserAsync(client);      // registration + login
        var (locked, _) = await factory.SignedInUserAsync(client);      // registration + login
        await client.RegisterAsync(AuthFlows.NewEmail("pending"));      // registration, never verified
        await client.LoginAsync(active);                                // login
        for (var i = 0; i < 5; i++)
        {
            await client.PostLoginAsync(locked, "Wrong-Password-1!");   // 5 failures, then locked
        }

        Assert.Equal(HttpStatusCode.Locked, (await client.PostLoginAsync(locked)).StatusCode); // refused before any verdict
        await client.PostLoginAsync("nobody@example.com", "Wrong-Password-1!");                // a failure for no account
        await factory.WaitForEventsHandledAsync();

        var stats = await admin.Client.GetJsonAsync("/api/v1/admin/stats");
        Assert.Equal(4, stats.GetProperty("totalUsers").GetInt64());      // admin, active, locked, pending
        Assert.Equal(3, stats.GetProperty("activeUsers").GetInt64());
        Assert.Equal(3, stats.GetProperty("verifiedUsers").GetInt64());
        Assert.Equal(4, stats.GetProperty("newUsers30d").GetInt64());
        Assert.Equal(1, stats.GetProperty("lockedUsers").GetInt64());
        Assert.Equal(0, stats.GetProperty("twoFactorUsers").GetInt64());

        var days = (await admin.Client.GetJsonAsync("/api/v1/admin/stats/logins?days=7")).GetProperty("days").EnumerateArray().ToList();
        Assert.Equal(7, days.Count);
        var today = DateOnly.FromDateTime(factory.Time.GetUtcNow().UtcDateTime);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => today.AddDays(i - 6).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), days.Select(d => d.GetProperty("date").GetString()));
        var last = days[^1];
        Assert.Equal(4, last.GetProperty("logins").GetInt64());
        Assert.Equal(6, last.GetProperty("failedLogins").GetInt64());
        Assert.Equal(3, last.GetProperty("registrations").GetInt64()); // the administrator was created, not registered
        Assert.All(days.SkipLast(1), d =>
        {
            Assert.Equal(0, d.GetProperty("logins").GetInt64());
            Assert.Equal(0, d.GetProperty("failedLogins").GetInt64());
            Assert.Equal(0, d.GetProperty("registrations").GetInt64());
        });

        // Tomorrow the counts are yesterday's, and the lock has expired.
        factory.Time.Advance(TimeSpan.FromDays(1));
        await client.LoginAsync(active);
        await factory.WaitForEventsHandledAsync();
        admin = await factory.AdminClientAsync();
        await factory.WaitForEventsHandledAsync();
        days = (await admin.Client.GetJsonAsync("/api/v1/admin/stats/logins?days=2")).GetProperty("days").EnumerateArray().ToList();
        Assert.Equal([4L, 2L], days.Select(d => d.GetProperty("logins").GetInt64()));
        Assert.Equal(0, (await admin.Client.GetJsonAsync("/api/v1/admin/stats")).GetProperty("lockedUsers").GetInt64());
    }

    [Fact]
    public async Task ErasedAccountsAreNotCounted()
    {
        await using var factory = new OutsideFactory();
        var client = factory.CreateClient();
        var (email, _) = await factory.SignedInUserAsync(client);
        await factory.InScopeAsync(async services =>
        {
            var db = services.GetRequiredService<Warden.Server.Infrastructure.Database.WardenDbContext>();
            var normalized = email.ToUpperInvariant();
            var id = db.Users.Single(u => u.NormalizedEmail == normalized).Id;
            await services.GetRequiredService<Warden.Server.Privacy.AccountErasure>().EraseAsync(id, null, CancellationToken.None);
        });

        var stats = await (await factory.AdminClientAsync()).Client.GetJsonAsync("/api/v1/admin/stats");
        Assert.Equal(1, stats.GetProperty("totalUsers").GetInt64());
    }
}

/// <summary>Requests that read the numbers without depending on them share one server.</summary>
public sealed class StatsQueryTests(OutsideFactory factory) : IClassFixture<OutsideFactory>
{
    [Theory]
    [InlineData("0")]
    [InlineData("366")]
    [InlineData("-3")]
    [InlineData("week")]
    public async Task DaysOutsideOneTo365AreValidationProblems(string days)
    {
        var response = await (await factory.AdminClientAsync()).Client.GetAsync($"/api/v1/admin/stats/logins?days={days}");
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task ThreeHundredSixtyFiveDaysAreAllPresentAndTheDefaultIsThirty()
    {
        var client = factory.CreateClient();
        var admin = await factory.AdminClientAsync();
        Assert.Equal(365, (await admin.Client.GetJsonAsync("/api/v1/admin/stats/logins?days=365")).GetProperty("days").GetArrayLength());
        var month = await admin.Client.GetJsonAsync("/api/v1/admin/stats/logins");
        Assert.Equal(30, month.GetProperty("days").GetArrayLength());
        Assert.Equal(JsonValueKind.String, month.GetProperty("from").ValueKind);
    }

    [Fact]
    public async Task OnlyHoldersOfAdminUsersMaySeeStats()
    {
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/admin/stats")).StatusCode);
        var (_, tokens) = await factory.SignedInUserAsync(client);
        await (await factory.CreateClientFor(tokens).GetAsync("/api/v1/admin/stats")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await factory.CreateClientFor(tokens).GetAsync("/api/v1/admin/stats/logins")).AssertProblemAsync(HttpStatusCode.Forbidden);
    }
}
