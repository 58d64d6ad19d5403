using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.SeveralNodes;

/// <summary>The test classes that share one <see cref="TwoNodes"/> (run one after the other).</summary>
[CollectionDefinition(Name)]
public sealed class TwoNodesCollection : ICollectionFixture<TwoNodes>
{
    public const string Name = "two nodes";
}

/// <summary>
/// Two Warden processes on one database and one private Redis, started once for the collection (starting a node
/// costs seconds): what a deployment behind a load balancer looks like. Signs the bootstrap administrator in on A.
/// </summary>
public sealed class TwoNodes : IAsyncLifetime
{
    /// <summary>Sign-ins per identifier and minute, small enough to count in a test, summed over both nodes.</summary>
    public const int LoginsPerIdentifier = 6;

    public RedisServer Redis { get; } = new();

    public WardenProcess A { get; private set; } = null!;

    public WardenProcess B { get; private set; } = null!;

    public HttpClient ToA { get; private set; } = null!;

    public HttpClient ToB { get; private set; } = null!;

    public string AdminToken { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Redis.InitializeAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Warden:Redis:Configuration"] = Redis.ConnectionString,
            ["Warden:Nodes"] = "2",
            // A crashed node's claimed outbox batch is taken over after this (the shortest allowed).
            ["Warden:Outbox:LeaseDuration"] = "00:00:05",
            ["Warden:Outbox:PollInterval"] = "00:00:01",
            // Requests may name their address (X-Forwarded-For from loopback), so an IP rule can be tried on a test address;
            // the periodic reload waits an hour, so only the backplane can carry a rule to the other node in time.
            ["Warden:Network:TrustedProxies:0"] = "127.0.0.1",
            ["Warden:IpRules:RefreshInterval"] = "01:00:00",
            ["Warden:RateLimits:LoginPerIdentifierPerMinute"] = LoginsPerIdentifier.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        A = await WardenProcess.StartAsync(settings);
        B = await WardenProcess.StartOnStorageOfAsync(A, settings);
        ToA = A.CreateClient();
        ToB = B.CreateClient();
        AdminToken = (await ToA.LoginAsync(WardenFactory.AdminEmail, WardenFactory.AdminPassword)).AccessToken;
    }

    /// <summary>An active user made by the administrator on node A, with <paramref name="roles"/>.</summary>
    public async Task<(Guid Id, string Email)> CreateUserAsync(params string[] roles)
    {
        var email = AuthFlows.NewEmail("node");
        var response = await SendAsync(ToA, HttpMethod.Post, "/api/v1/admin/users", AdminToken,
            new { email, password = AuthFlows.Password, roles = roles.Length == 0 ? ["user"] : roles });
        var body = await response.ReadJsonAsync(HttpStatusCode.Created);
        return (body.GetProperty("id").GetGuid(), email);
    }

    /// <summary>One value read from the shared database (PostgreSQL: these tests run in its pass only).</summary>
    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(A.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string accessToken, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await client.SendAsync(request);
    }

    public static async Task<HttpStatusCode> StatusAsync(HttpClient client, string path, string accessToken)
    {
        using var response = await SendAsync(client, HttpMethod.Get, path, accessToken);
        return response.StatusCode;
    }

    public static async Task<JsonElement> GetJsonAsync(HttpClient client, string path, string accessToken) =>
        await (await SendAsync(client, HttpMethod.Get, path, accessToken)).ReadJsonAsync();

    public async Task DisposeAsync()
    {
        ToA?.Dispose();
        ToB?.Dispose();
        if (B is not null)
        {
            await B.DisposeAsync();
        }

        if (A is not null)
        {
            await A.DisposeAsync();
        }

        await Redis.DisposeAsync();
    }
}
