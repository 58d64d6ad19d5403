using Microsoft.EntityFrameworkCore;
using System.Net;
using System.Text.Json;
using Warden.Server.Administration;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Administration;

public sealed class UserSearchTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Theory]
    [InlineData("size=0")]
    [InlineData("size=101")]
    [InlineData("size=-1")]
    [InlineData("page=1")]
    [InlineData("page=2147483647")]
    [InlineData("cursor=bm90LWEtY3Vyc29y")]
    [InlineData("search=a")]
    [InlineData("search=%20ab%20")]
    [InlineData("status=sleeping")]
    [InlineData("sort=password")]
    [InlineData("sort=--email")]
    public async Task OutOfBoundsParametersAnswer400(string query)
    {
        var admin = await factory.AdminClientAsync();
        var response = await admin.Client.GetAsync("/api/v1/admin/users?" + query);
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Theory]
    [InlineData("size=abc")]
    [InlineData("page=1.5")]
    [InlineData("size=99999999999999999999")]
    public async Task UnreadableNumbersAnswer400(string query)
    {
        var admin = await factory.AdminClientAsync();
        var response = await admin.Client.GetAsync("/api/v1/admin/users?" + query);
        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task CursorsWalkTheResultsWithoutOverlapInEverySort()
    {
        var admin = await factory.AdminClientAsync();
        var tag = "pg" + Guid.NewGuid().ToString("N")[..10];
        var client = factory.CreateClient();
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await client.RegisterAsync($"{tag}.{i}@example.com"));
        }

        // Three have signed in (two at the same moment), two never: the last-login orders cross from one to the other.
        var moment = factory.Time.GetUtcNow();
        await factory.InDbAsync(db => db.Users.Where(u => u.Id == ids[3] || u.Id == ids[1]).ExecuteUpdateAsync(u => u.SetProperty(x => x.LastLoginAt, moment)));
        await factory.InDbAsync(db => db.Users.Where(u => u.Id == ids[4]).ExecuteUpdateAsync(u => u.SetProperty(x => x.LastLoginAt, moment.AddHours(-1))));

        var byEmail = await WalkAsync(admin, $"search={tag}&size=2&sort=email");
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"{tag}.{i}@example.com"), byEmail);

        var descending = await admin.ListUsersAsync($"search={tag}&size=100&sort=-email");
        Assert.Equal(byEmail.AsEnumerable().Reverse(), Emails(descending));
        Assert.Equal(JsonValueKind.Null, descending.GetProperty("nextCursor").ValueKind);

        var byLastLogin = Emails(await admin.ListUsersAsync($"search={tag}&size=100&sort=lastLoginAt"));
        Assert.Equal($"{tag}.4@example.com", byLastLogin[0]);
        Assert.Equal([$"{tag}.0@example.com", $"{tag}.2@example.com"], byLastLogin[3..].Order());
        var byLastLoginDescending = Emails(await admin.ListUsersAsync($"search={tag}&size=100&sort=-lastLoginAt"));
        Assert.Equal($"{tag}.4@example.com", byLastLoginDescending[2]);
        Assert.Equal([$"{tag}.0@example.com", $"{tag}.2@example.com"], byLastLoginDescending[3..].Order());

        // Every sort, in pages of one and of two, lists each of the five exactly once, in the order one page of a hundred has.
        foreach (var sort in ListUsers.Sorts)
        {
            var whole = Emails(await admin.ListUsersAsync($"search={tag}&size=100&sort={sort}"));
            Assert.Equal(whole, await WalkAsync(admin, $"search={tag}&size=2&sort={sort}"));
            Assert.Equal(whole, await WalkAsync(admin, $"search={tag}&size=1&sort={sort}"));
        }
    }

    [Fact]
    public async Task UsersWhoArriveWhileAnAdministratorPagesNeitherRepeatNorPushOthersOut()
    {
        var admin = await factory.AdminClientAsync();
        var tag = "kp" + Guid.NewGuid().ToString("N")[..10];
        var client = factory.CreateClient();
        for (var i = 0; i < 4; i++)
        {
            await client.RegisterAsync($"{tag}.{i}@example.com");
        }

        var first = await admin.ListUsersAsync($"search={tag}&size=2&sort=-createdAt");
        Assert.Equal(4, first.GetProperty("total").GetInt32());
        Assert.Equal("exact", first.GetProperty("totalKind").GetString());
        var shown = Emails(first);

        // A newcomer belongs before the first page; offset paging would shift everyone down and repeat a row.
        await client.RegisterAsync($"{tag}.9@example.com");
        var second = await admin.ListUsersAsync($"search={tag}&size=2&sort=-createdAt&cursor={Uri.EscapeDataString(first.GetProperty("nextCursor").GetString()!)}");
        Assert.Empty(Emails(second).Intersect(shown));
        Assert.Equal([$"{tag}.1@example.com", $"{tag}.0@example.com"], Emails(second));
    }

    [Fact]
    public async Task ACursorServesOnlyTheSortItWasGivenFor()
    {
        var admin = await factory.AdminClientAsync();
        var tag = "cs" + Guid.NewGuid().ToString("N")[..10];
        var client = factory.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            await client.RegisterAsync($"{tag}.{i}@example.com");
        }

        var cursor = (await admin.ListUsersAsync($"search={tag}&size=1&sort=email")).GetProperty("nextCursor").GetString()!;
        var response = await admin.Client.GetAsync($"/api/v1/admin/users?search={tag}&size=1&sort=-createdAt&cursor={cursor}");
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        // The cursor is sealed: it names no email (it travels in URLs and logs) and a changed character does not open.
        Assert.DoesNotContain(tag, cursor, StringComparison.OrdinalIgnoreCase);
        var tampered = cursor[..10] + (cursor[10] == 'A' ? 'B' : 'A') + cursor[11..];
        response = await admin.Client.GetAsync($"/api/v1/admin/users?search={tag}&size=1&sort=email&cursor={tampered}");
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task PastTheExactLimitTheTotalIsALowerBound()
    {
        using var limited = new WardenFactory().With("Warden:Administration:ListExactCountLimit", "3");
        var admin = await limited.AdminClientAsync();
        var tag = "lb" + Guid.NewGuid().ToString("N")[..10];
        var client = limited.CreateClient();
        for (var i = 0; i < 4; i++)
        {
            await client.RegisterAsync($"{tag}.{i}@example.com");
        }

        var body = await admin.ListUsersAsync($"search={tag}&size=1");
        Assert.Equal(3, body.GetProperty("total").GetInt32());
        Assert.Equal("atLeast", body.GetProperty("totalKind").GetString());
        Assert.Equal(4, (await WalkAsync(admin, $"search={tag}&size=1")).Count);
    }

    [Fact]
    [PostgresOnly]
    public async Task PastTheLimitTheUnfilteredListOnPostgresAnswersThePlannersEstimateWithoutCounting()
    {
        using var tracing = new SqlTracingFactory();
        tracing.With("Warden:Administration:ListExactCountLimit", "2");
        var admin = await tracing.AdminClientAsync();
        var client = tracing.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            await client.RegisterAsync($"es{Guid.NewGuid().ToString("N")[..10]}@example.com");
        }

        await tracing.InDbAsync(db => db.Database.ExecuteSqlRawAsync("ANALYZE users"));
        var trace = Guid.NewGuid().ToString("N");
        admin.Client.DefaultRequestHeaders.Add(SqlTracingFactory.Header, trace);

        var body = await admin.ListUsersAsync("size=1");

        Assert.Equal("estimate", body.GetProperty("totalKind").GetString());
        Assert.True(body.GetProperty("total").GetInt64() > 2);
        Assert.DoesNotContain(tracing.Trace.Statements(trace), s => s.Contains("count(", StringComparison.OrdinalIgnoreCase));
    }

    private static async Task<List<string>> WalkAsync(SignedInUser admin, string query)
    {
        var emails = new List<string>();
        string? cursor = null;
        for (var pages = 0; pages < 50; pages++)
        {
            var page = await admin.ListUsersAsync(query + (cursor is null ? "" : "&cursor=" + cursor));
            emails.AddRange(Emails(page));
            if (page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null)
            {
                return emails;
            }

            cursor = page.GetProperty("nextCursor").GetString();
        }

        throw new InvalidOperationException("The cursor never ended.");
    }

    private static List<string> Emails(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("email").GetString()!)];

    [Fact]
    public async Task SearchIsACaseInsensitiveSubstringOfEmailUsernameOrName()
    {
        var admin = await factory.AdminClientAsync();
        var tag = Guid.NewGuid().ToString("N")[..10];
        var client = factory.CreateClient();
        var byEmail = await client.RegisterAsync($"mail{tag}@example.com");
        var byUsername = await client.RegisterAsync(AuthFlows.NewEmail(), username: $"nick{tag}");

        Assert.Equal([byEmail], Ids(await admin.ListUsersAsync($"search=MAIL{tag.ToUpperInvariant()}")));
        Assert.Equal([byUsername], Ids(await admin.ListUsersAsync($"search=Nick{tag}")));

        // The name lives in the profile, which an event handler creates after the registration commits.
        var byName = await client.RegisterAsync(AuthFlows.NewEmail());
        var named = await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/admin/users", new { email = AuthFlows.NewEmail(), password = AuthFlows.Password, fullName = $"Ada Lovelace{tag}" })).ReadJsonAsync(HttpStatusCode.Created);
        var id = named.GetProperty("id").GetGuid();
        await Eventually.TrueAsync(async () => Ids(await admin.ListUsersAsync($"search=lovelace{tag}")).SequenceEqual([id]), "the registration handler to give the profile its name");
        Assert.DoesNotContain(byName, Ids(await admin.ListUsersAsync($"search=lovelace{tag}")));
    }

    [Fact]
    public async Task AUserFoundByAddressAndByNameIsListedAndCountedOnce()
    {
        var admin = await factory.AdminClientAsync();
        var tag = "bt" + Guid.NewGuid().ToString("N")[..10];
        async Task<string> CreateAsync(string email, string fullName)
        {
            var created = await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/admin/users", new { email, password = AuthFlows.Password, fullName }))
                .ReadJsonAsync(HttpStatusCode.Created);
            return created.GetProperty("email").GetString()!;
        }

        // The address and the name are searched apart and their first rows joined: the one found both ways is one row.
        var byAddress = await CreateAsync($"{tag}.address@example.com", "Someone Else");
        var byName = await CreateAsync(AuthFlows.NewEmail(), $"Named {tag}");
        var both = await CreateAsync($"{tag}.both@example.com", $"Both {tag}");
        await Eventually.TrueAsync(async () => (await admin.ListUsersAsync($"search={tag}&size=100")).GetProperty("total").GetInt32() == 3,
            "the registration handler to give the profiles their names");

        foreach (var sort in ListUsers.Sorts)
        {
            var walked = await WalkAsync(admin, $"search={tag}&size=1&sort={sort}");
            Assert.Equal(new[] { byAddress, byName, both }.Order(), walked.Order());
        }

        var first = await admin.ListUsersAsync($"search={tag}&size=1");
        Assert.Equal(3, first.GetProperty("total").GetInt32());
        Assert.Equal("exact", first.GetProperty("totalKind").GetString());
    }

    [Fact]
    public async Task WildcardsInTheSearchAreLiteral()
    {
        var admin = await factory.AdminClientAsync();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var client = factory.CreateClient();
        var underscore = await client.RegisterAsync(AuthFlows.NewEmail(), username: $"u_{tag}");
        var other = await client.RegisterAsync(AuthFlows.NewEmail(), username: $"ux{tag}");

        // "_" would match any one character, and "%" anything, if they were not escaped.
        Assert.Equal([underscore], Ids(await admin.ListUsersAsync($"search=u_{tag}")));
        Assert.Empty(Ids(await admin.ListUsersAsync($"search=u%25{tag}")));
        Assert.Contains(other, Ids(await admin.ListUsersAsync($"search=ux{tag}")));
    }

    [Theory]
    [InlineData("%%%")]
    [InlineData("___")]
    [InlineData("'''")]
    [InlineData("\\\\\\")]
    [InlineData("\\%\\%")]
    [InlineData("' OR '1'='1")]
    [InlineData("%' OR 1=1 --")]
    [InlineData("ab\u0000c")]
    [InlineData("[a-z]")]
    public async Task HostileSearchStringsMatchNothingAndNeverFail(string search)
    {
        var admin = await factory.AdminClientAsync();
        var body = await admin.ListUsersAsync("size=100&search=" + Uri.EscapeDataString(search));
        Assert.Equal(0, body.GetProperty("total").GetInt32());
        Assert.Empty(body.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task AVeryLongSearchMatchesNothingAndNeverFails()
    {
        var admin = await factory.AdminClientAsync();
        foreach (var length in new[] { 257, 5000 })
        {
            var body = await admin.ListUsersAsync("search=" + new string('a', length));
            Assert.Equal(0, body.GetProperty("total").GetInt32());
        }

        // Just under the limit still searches (and finds nothing).
        Assert.Equal(0, (await admin.ListUsersAsync("search=" + new string('%', 256))).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task StatusAndRoleFilterTheList()
    {
        var admin = await factory.AdminClientAsync();
        var user = await factory.SignedInClientAsync();
        await (await admin.Client.SendAsync(HttpMethod.Put, $"/api/v1/admin/users/{user.Id}/status", new { status = "suspended" })).ReadJsonAsync();

        Assert.Contains(user.Id, Ids(await admin.ListUsersAsync("status=suspended&size=100")));
        Assert.DoesNotContain(user.Id, Ids(await admin.ListUsersAsync("status=active&size=100")));
        var admins = await admin.ListUsersAsync("role=admin&size=100");
        Assert.Equal([WardenFactory.AdminEmail], admins.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("email").GetString()));
        Assert.Equal(0, (await admin.ListUsersAsync("role=nobody")).GetProperty("total").GetInt32());
    }

    private static List<Guid> Ids(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];
}
