using System.Net;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Administration;

public sealed class UserSearchTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Theory]
    [InlineData("size=0")]
    [InlineData("size=101")]
    [InlineData("size=-1")]
    [InlineData("page=0")]
    [InlineData("page=-3")]
    [InlineData("page=2147483647")]
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
    public async Task PagesPartitionTheResultsWithoutOverlap()
    {
        var admin = await factory.AdminClientAsync();
        var tag = "pg" + Guid.NewGuid().ToString("N")[..10];
        var client = factory.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            await client.RegisterAsync($"{tag}.{i}@example.com");
        }

        var seen = new List<string>();
        foreach (var page in new[] { 1, 2, 3, 4 })
        {
            var body = await admin.ListUsersAsync($"search={tag}&size=2&page={page}&sort=email");
            Assert.Equal(5, body.GetProperty("total").GetInt32());
            Assert.Equal(page, body.GetProperty("page").GetInt32());
            Assert.Equal(2, body.GetProperty("size").GetInt32());
            seen.AddRange(body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("email").GetString()!));
        }

        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"{tag}.{i}@example.com"), seen);

        var descending = await admin.ListUsersAsync($"search={tag}&size=100&sort=-email");
        Assert.Equal(seen.AsEnumerable().Reverse(), descending.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("email").GetString()!));
    }

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
    [InlineData("%")]
    [InlineData("_")]
    [InlineData("%%")]
    [InlineData("'")]
    [InlineData("\\")]
    [InlineData("\\%")]
    [InlineData("' OR '1'='1")]
    [InlineData("%' OR 1=1 --")]
    [InlineData("\u0000")]
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

    private static List<Guid> Ids(System.Text.Json.JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];
}
