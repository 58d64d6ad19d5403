using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Authentication;
using Warden.Server.Authorization;
using Warden.Tests.Security;
using Warden.Tests.Infrastructure;
using Warden.Tests.Oidc;

namespace Warden.Tests.Performance;

/// <summary>
/// How many SQL statements (database commands) the hot paths run: a sign-in with a password and no second factor, a
/// token refresh and an authenticated read. A count, not a time (issue 25): it fails when a change adds a round trip,
/// and each change that removes one lowers the pinned number here.
/// </summary>
public sealed class HotPathStatementTests(SqlTracingFactory factory) : IClassFixture<SqlTracingFactory>
{
    private const int SignIn = 7;
    // The spend and the successor's insert: one statement on PostgreSQL (a data-modifying WITH), two in one transaction
    // on SQLite, which has no such WITH.
    private static readonly int Refresh = TestDatabase.IsPostgres ? 1 : 2;
    // The same when the account view has left the cache (AccountCacheDuration, 30 s by default): the usual case for a
    // sign-in, and for the refresh a quarter of an hour later. One statement reads what the token needs beyond the user row.
    private const int SignInWithNothingCached = SignIn + 1;
    private static readonly int RefreshWithNothingCached = Refresh + 2; // the user row's facts, then the rest
    private const int AuthenticatedRead = 0;
    private const int AuthenticatedReadWithAnOidcToken = 0;

    [Fact]
    public async Task APasswordSignInWithoutASecondFactorRunsThePinnedNumberOfStatements()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail();
        var userId = await client.RegisterAsync(email);
        await factory.ActivateAsync(email);
        await factory.WaitForProfileAsync(userId); // made by an event handler; its arrival would empty the cached view
        await client.LoginAsync(email); // the account's first sign-in, so the measured one is an ordinary one
        await QuietAsync(userId);
        await client.LoginAsync(email);
        await QuietAsync(userId);

        var statements = await TracedAsync(client, HttpMethod.Post, "/api/v1/auth/login", new { email, password = AuthFlows.Password });

        AssertCount(SignIn, statements);
        await AssertPlansAsync(statements);
    }

    [Fact]
    public async Task ASignInWhoseAccountViewIsNotCachedReadsTheRestOfTheTokenInOneStatementAndIssuesTheSameView()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail();
        var userId = await client.RegisterAsync(email);
        await factory.ActivateAsync(email);
        await factory.WaitForProfileAsync(userId);
        await client.LoginAsync(email);
        await QuietAsync(userId);
        var warm = await client.LoginAsync(email);
        await QuietAsync(userId);
        Forget(userId);

        var (statements, body) = await TracedWithBodyAsync(client, HttpMethod.Post, "/api/v1/auth/login", new { email, password = AuthFlows.Password });

        AssertCount(SignInWithNothingCached, statements);
        await AssertPlansAsync(statements);
        var cold = AuthFlows.ReadTokens(body);
        foreach (var part in new[] { "roles", "permissions", "twoFactor", "status", "emailVerified" })
        {
            Assert.Equal(warm.User.GetProperty(part).GetRawText(), cold.User.GetProperty(part).GetRawText());
        }

        Assert.NotEmpty(cold.User.GetProperty("roles").EnumerateArray());
        Assert.Equal("Test Person", TokenForgery.Decode(cold.AccessToken.Split('.')[1])["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task ARefreshWhoseAccountViewIsNotCachedRunsThePinnedNumberOfStatements()
    {
        var (_, tokens) = await factory.SignedInUserAsync();
        var userId = tokens.User.GetProperty("id").GetGuid();
        await factory.WaitForProfileAsync(userId);
        var client = factory.CreateClient();
        var first = AuthFlows.ReadTokens(await (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { tokens.RefreshToken })).ReadJsonAsync());
        await QuietAsync(userId);
        Forget(userId);

        var (statements, body) = await TracedWithBodyAsync(client, HttpMethod.Post, "/api/v1/auth/refresh", new { first.RefreshToken });

        AssertCount(RefreshWithNothingCached, statements);
        await AssertPlansAsync(statements);
        Assert.Equal(first.User.GetProperty("roles").GetRawText(), AuthFlows.ReadTokens(body).User.GetProperty("roles").GetRawText());
    }

    [Fact]
    public async Task ARefreshRunsThePinnedNumberOfStatements()
    {
        var (_, tokens) = await factory.SignedInUserAsync();
        await factory.WaitForProfileAsync(tokens.User.GetProperty("id").GetGuid());
        var client = factory.CreateClient();
        var first = AuthFlows.ReadTokens(await (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { tokens.RefreshToken })).ReadJsonAsync());
        await QuietAsync(tokens.User.GetProperty("id").GetGuid());

        var statements = await TracedAsync(client, HttpMethod.Post, "/api/v1/auth/refresh", new { first.RefreshToken });

        AssertCount(Refresh, statements);
        await AssertPlansAsync(statements);
    }

    [Fact]
    public async Task AnAuthenticatedReadRunsThePinnedNumberOfStatements()
    {
        var user = await factory.SignedInClientAsync();
        await factory.WaitForProfileAsync(user.Id);
        await QuietAsync(user.Id);
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/v1/users/me")).StatusCode); // the steady state: caches filled

        var statements = await TracedAsync(user.Client, HttpMethod.Get, "/api/v1/users/me");

        AssertCount(AuthenticatedRead, statements);
    }

    [Fact]
    public async Task AnAuthenticatedReadWithAnOidcAccessTokenRunsThePinnedNumberOfStatements()
    {
        var (_, _, tokens) = await factory.SignedInGrantAsync();
        var client = factory.CreateClientFor(tokens.GetProperty("access_token").GetString()!);
        var me = await (await client.GetAsync("/api/v1/users/me")).ReadJsonAsync();
        var userId = me.GetProperty("id").GetGuid();
        await factory.WaitForProfileAsync(userId);
        await QuietAsync(userId);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/users/me")).StatusCode); // the steady state: caches filled

        var statements = await TracedAsync(client, HttpMethod.Get, "/api/v1/users/me");

        AssertCount(AuthenticatedReadWithAnOidcToken, statements);
    }

    /// <summary>
    /// Waits until the event handlers have handled everything about the user: a handler's write to what the account
    /// view shows, during the warm-up, would leave the measured request to fill the cache again.
    /// </summary>
    private Task QuietAsync(Guid userId) =>
        factory.EventuallyInDbAsync(db => db.OutboxMessages.AllAsync(m => m.Subject != userId || m.ProcessedAt != null || m.Poisoned), $"the events of {userId} handled");

    /// <summary>Empties every cache the account view is made of (as after AccountCacheDuration), for this node.</summary>
    private void Forget(Guid userId)
    {
        factory.Services.GetRequiredService<AccountViewCache>().Forget(userId);
        factory.Services.GetRequiredService<PermissionService>().Invalidate();
    }

    private async Task<(IReadOnlyList<string> Statements, JsonElement Body)> TracedWithBodyAsync(HttpClient client, HttpMethod method, string url, object body)
    {
        var traceId = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Add(SqlTracingFactory.Header, traceId);
        request.Content = JsonContent.Create(body);
        var response = await client.SendAsync(request);
        return (factory.Trace.Statements(traceId), await response.ReadJsonAsync());
    }

    private async Task<IReadOnlyList<string>> TracedAsync(HttpClient client, HttpMethod method, string url, object? body = null)
    {
        var traceId = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Add(SqlTracingFactory.Header, traceId);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return factory.Trace.Statements(traceId);
    }

    /// <summary>On SQLite, that no statement reads a whole per-user table for this one user (<see cref="SqlitePlans"/>).</summary>
    private Task AssertPlansAsync(IReadOnlyList<string> statements) =>
        TestDatabase.IsPostgres ? Task.CompletedTask : SqlitePlans.AssertNoPerUserTableScanAsync(factory.Services, statements);

    /// <summary>That the traced commands hold exactly the pinned number of statements, listing them when not.</summary>
    internal static void AssertCount(int pinned, IReadOnlyList<string> commands)
    {
        var statements = SqlTrace.StatementsIn(commands);
        Assert.True(
            statements.Count == pinned,
            $"{statements.Count} statements, pinned at {pinned}:\n\n" + string.Join("\n\n", statements));
    }
}
