using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Http;
using Warden.Tests.Administration;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Pages.Admin;

/// <summary>
/// What the dashboard counts and how the user list narrows down, without a browser: the figures follow the database
/// (a locked account, a blocked address, a poisoned event each count once more), and the list's filters other than
/// the search (role, two-step sign-in, the days of creation) and its orders reach the admin API's query.
/// </summary>
[SqliteOnly]
[Collection(AdminConsoleCollection.Name)]
public sealed partial class ConsoleOverviewTests(AdminConsoleServer factory)
{
    [Fact]
    public async Task TheDashboardCountsLockedAccountsBlockedAddressesAndPoisonedEvents()
    {
        var console = await factory.ConsoleClientAsync();
        var before = Figures(await console.GetStringAsync("/admin"));
        var now = factory.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        await factory.LockSignInAsync((await factory.SignedInUserAsync()).Email);
        await factory.InDbAsync(async db =>
        {
            db.IpBlocks.Add(new IpBlock { Network = $"192.0.2.{Random.Shared.Next(1, 255)}", Reason = "credential_stuffing", Failures = 30, Identifiers = 9, BlockedAt = now, ExpiresAt = now.AddHours(1) });
            db.OutboxMessages.Add(new OutboxMessage { Type = EventTypes.AuditHeadPublished, Data = "{}", OccurredAt = now, Attempts = 30, Poisoned = true, LastError = "dashboard test" });
            await db.SaveChangesAsync();
        });

        var after = Figures(await console.GetStringAsync("/admin"));

        Assert.Equal(before["locked now"] + 1, after["locked now"]);
        Assert.Equal(before["addresses blocked now"] + 1, after["addresses blocked now"]);
        Assert.Equal(before["poisoned events"] + 1, after["poisoned events"]);
        Assert.Contains("events waiting in the outbox", after.Keys);
        Assert.Contains("webhook deliveries given up", after.Keys);
    }

    [Fact]
    public async Task TheUserListFiltersByRoleTwoFactorAndTheDaysOfCreationAndSortsByEmail()
    {
        var tag = "list" + Guid.NewGuid().ToString("N")[..10];
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await factory.CreateClient().RegisterAsync($"{tag}.{i}@example.com"));
        }

        var admin = await factory.AdminClientAsync();
        await admin.AssignRoleAsync(ids[0], "moderator");
        await factory.InDbAsync(db => db.Users.Where(u => u.Id == ids[1]).ExecuteUpdateAsync(u => u.SetProperty(x => x.TwoFactorEnabled, true)));
        var longAgo = new DateTimeOffset(2021, 3, 4, 12, 0, 0, TimeSpan.Zero);
        await factory.InDbAsync(db => db.Users.Where(u => u.Id == ids[2]).ExecuteUpdateAsync(u => u.SetProperty(x => x.CreatedAt, longAgo)));
        var console = await factory.ConsoleClientAsync();

        Assert.Equal([ids[0]], await ListedAsync(console, $"search={tag}&role=moderator"));
        Assert.Equal([ids[1]], await ListedAsync(console, $"search={tag}&twoFactor=on"));
        Assert.Equal([ids[0], ids[2]], await ListedAsync(console, $"search={tag}&twoFactor=off&sort=email"));
        Assert.Equal([ids[2]], await ListedAsync(console, $"search={tag}&from=2021-03-04&to=2021-03-04"));
        Assert.Equal([ids[0], ids[1]], await ListedAsync(console, $"search={tag}&from=2021-03-05&sort=email"));
        Assert.Equal([ids[2], ids[1], ids[0]], await ListedAsync(console, $"search={tag}&sort=-email"));

        var badDay = await console.GetAsync($"/admin/users?search={tag}&from=4.3.2021");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badDay.StatusCode);
        Assert.Contains("Give a day as YYYY-MM-DD.", await badDay.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>The users the list shows, in its order (each row links to the user's page).</summary>
    private static async Task<List<Guid>> ListedAsync(HttpClient console, string query)
    {
        var html = await console.GetStringAsync("/admin/users?" + query);
        return [.. UserLink().Matches(html).Select(m => Guid.Parse(m.Groups[1].Value)).Distinct()];
    }

    /// <summary>The dashboard's tiles: the figure by its label.</summary>
    private static Dictionary<string, long> Figures(string html) =>
        Tile().Matches(html).ToDictionary(m => m.Groups[2].Value.Trim(), m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex("href=\"/admin/users/([0-9a-f-]{36})\"")]
    private static partial Regex UserLink();

    [GeneratedRegex("<span class=\"figure\">(\\d+)</span>([^<]+)<")]
    private static partial Regex Tile();
}
