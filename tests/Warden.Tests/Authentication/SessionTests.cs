using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Authentication;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Users;
using Warden.Server.Events;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authentication;

public sealed class SessionTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task RefreshRotatesTheRefreshToken()
    {
        var client = factory.CreateClient();
        var (_, tokens) = await factory.SignedInUserAsync(client);

        var body = await (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken })).ReadJsonAsync();
        var rotated = AuthFlows.ReadTokens(body);
        Assert.NotEqual(tokens.RefreshToken, rotated.RefreshToken);
        Assert.NotEqual(tokens.AccessToken, rotated.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClientFor(rotated).GetAsync("/api/v1/users/me")).StatusCode);
    }

    [Fact]
    public async Task RefreshStoresTheSuccessorInTheSpentTokensSessionWithItsExpiry()
    {
        var client = factory.CreateClient();
        var (_, tokens) = await factory.SignedInUserAsync(client);

        var rotated = AuthFlows.ReadTokens(await (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken })).ReadJsonAsync());

        var (spent, successor) = await factory.InDbAsync(async db => (
            await db.RefreshTokens.AsNoTracking().SingleAsync(t => t.TokenHash == OpaqueToken.Hash(tokens.RefreshToken)),
            await db.RefreshTokens.AsNoTracking().SingleAsync(t => t.TokenHash == OpaqueToken.Hash(rotated.RefreshToken))));
        Assert.NotNull(spent.SpentAt);
        Assert.Null(successor.SpentAt);
        Assert.Equal(spent.SessionId, successor.SessionId);
        Assert.Equal(spent.ExpiresAt, successor.ExpiresAt);
        Assert.Equal(spent.SpentAt, successor.CreatedAt);
        // Stored as EF Core stores keys: found again by its id.
        Assert.Equal(successor.TokenHash, (await factory.InDbAsync(db => db.RefreshTokens.AsNoTracking().SingleAsync(t => t.Id == successor.Id))).TokenHash);
    }

    [Fact]
    public async Task ARefreshRefusedForTheUsersStatusLeavesNoSuccessorBehind()
    {
        var client = factory.CreateClient();
        var (email, tokens) = await factory.SignedInUserAsync(client);
        var userId = await factory.InDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());
        // A status changed without ending the sessions (as a direct write would): refused on the node that forgets the view.
        await factory.InDbAsync(db => db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(u => u.SetProperty(x => x.Status, UserStatus.Suspended)));
        factory.Services.GetRequiredService<AccountViewCache>().Forget(userId);

        await (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");

        var sessionTokens = await factory.InDbAsync(db => db.RefreshTokens.AsNoTracking()
            .Where(t => t.Session!.UserId == userId).Select(t => t.SpentAt).ToListAsync());
        Assert.NotNull(Assert.Single(sessionTokens)); // the presented token, spent; no unspent successor
    }

    [Fact]
    public async Task RefreshWithSpentTokenRevokesSession()
    {
        var client = factory.CreateClient();
        var (_, tokens) = await factory.SignedInUserAsync(client);
        var rotated = AuthFlows.ReadTokens(await (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken })).ReadJsonAsync());

        // An attacker replays the stolen, already-spent token.
        await (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");

        // The whole session is gone: the legitimate holder's newer tokens fail too.
        await (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = rotated.RefreshToken }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
        await (await factory.CreateClientFor(rotated).GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
    }

    [Fact]
    public async Task TwoConcurrentRefreshesWithOneTokenLetExactlyOneSucceed()
    {
        var client = factory.CreateClient();
        var (_, tokens) = await factory.SignedInUserAsync(client);
        var responses = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ =>
            factory.CreateClient().PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken })));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
    }

    [Fact]
    public async Task RefreshFailsAfterTheSessionExpires()
    {
        var client = factory.CreateClient();
        var (_, tokens) = await factory.SignedInUserAsync(client);
        factory.Time.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        await (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
        factory.Time.Advance(-(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("'; DROP TABLE refresh_tokens; --")]
    public async Task RefreshRefusesMalformedOrUnknownTokens(string token)
    {
        var response = await factory.CreateClient().PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = token });
        Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest);
        await response.AssertProblemAsync(response.StatusCode);
    }

    [Fact]
    public async Task AccessTokenStopsWorkingTheMomentItsSessionIsLoggedOut()
    {
        var client = factory.CreateClient();
        var (_, tokens) = await factory.SignedInUserAsync(client);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClientFor(tokens).GetAsync("/api/v1/users/me")).StatusCode);

        var logout = await client.PostAsJsonAsync("/api/v1/auth/logout", new { refreshToken = tokens.RefreshToken });
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);

        await (await factory.CreateClientFor(tokens).GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
        await (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");

        await factory.InDbAsync(async db =>
        {
            var userId = tokens.User.GetProperty("id").GetGuid();
            Assert.True(await db.OutboxMessages.AnyAsync(m => m.Type == EventTypes.UserLoggedOut && m.Subject == userId));
            Assert.True(await db.OutboxMessages.AnyAsync(m => m.Type == EventTypes.SessionRevoked && m.Subject == userId));
        });
    }

    [Fact]
    public async Task LogoutWithTheBearerTokenAloneEndsTheSession()
    {
        var client = factory.CreateClient();
        var (_, tokens) = await factory.SignedInUserAsync(client);
        Assert.Equal(HttpStatusCode.NoContent, (await factory.CreateClientFor(tokens).PostAsync("/api/v1/auth/logout", null)).StatusCode);
        await (await factory.CreateClientFor(tokens).GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task LogoutWithoutAnyTokenIsAValidationError()
    {
        var response = await factory.CreateClient().PostAsync("/api/v1/auth/logout", null);
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task SessionsAreListedAndOneCanBeEnded()
    {
        var client = factory.CreateClient();
        var (email, first) = await factory.SignedInUserAsync(client);
        var second = await client.LoginAsync(email);

        var sessions = await (await factory.CreateClientFor(first).GetAsync("/api/v1/users/sessions")).ReadJsonAsync();
        Assert.Equal(2, sessions.GetArrayLength());
        Assert.Single(sessions.EnumerateArray(), s => s.GetProperty("current").GetBoolean());
        var other = sessions.EnumerateArray().Single(s => !s.GetProperty("current").GetBoolean()).GetProperty("id").GetGuid();

        Assert.Equal(HttpStatusCode.NoContent, (await factory.CreateClientFor(first).DeleteAsync($"/api/v1/users/sessions/{other}")).StatusCode);
        await (await factory.CreateClientFor(second).GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClientFor(first).GetAsync("/api/v1/users/me")).StatusCode);
    }

    [Fact]
    public async Task AUserCannotEndAnotherUsersSessionByItsId()
    {
        var client = factory.CreateClient();
        var (_, victim) = await factory.SignedInUserAsync(client);
        var (_, attacker) = await factory.SignedInUserAsync(client);
        var victimSessions = await (await factory.CreateClientFor(victim).GetAsync("/api/v1/users/sessions")).ReadJsonAsync();
        var victimSession = victimSessions[0].GetProperty("id").GetGuid();

        var response = await factory.CreateClientFor(attacker).DeleteAsync($"/api/v1/users/sessions/{victimSession}");
        var problem = await response.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");

        var missingProblem = await (await factory.CreateClientFor(attacker).DeleteAsync($"/api/v1/users/sessions/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(missingProblem.GetProperty("title").GetString(), problem.GetProperty("title").GetString());

        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClientFor(victim).GetAsync("/api/v1/users/me")).StatusCode);
    }

    [Fact]
    public async Task EndingAllOtherSessionsKeepsTheCurrentOne()
    {
        var client = factory.CreateClient();
        var (email, current) = await factory.SignedInUserAsync(client);
        var other1 = await client.LoginAsync(email);
        var other2 = await client.LoginAsync(email);

        Assert.Equal(HttpStatusCode.NoContent, (await factory.CreateClientFor(current).DeleteAsync("/api/v1/users/sessions")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClientFor(current).GetAsync("/api/v1/users/me")).StatusCode);
        await (await factory.CreateClientFor(other1).GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await factory.CreateClientFor(other2).GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AuthenticatedEndpointsRefuseMissingAndMalformedTokens()
    {
        var client = factory.CreateClient();
        await (await client.GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        using var basic = new HttpRequestMessage(HttpMethod.Get, "/api/v1/users/me");
        basic.Headers.TryAddWithoutValidation("Authorization", "Basic YWRtaW46YWRtaW4=");
        await (await client.SendAsync(basic)).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
        await (await factory.CreateClientFor("not.a.jwt").GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
        await (await factory.CreateClientFor(new string('a', 10000)).GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
    }

    [Fact]
    public async Task AccessTokenExpiresAfterFifteenMinutes()
    {
        var client = factory.CreateClient();
        var (_, tokens) = await factory.SignedInUserAsync(client);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClientFor(tokens).GetAsync("/api/v1/users/me")).StatusCode); // accepted once: remembered
        factory.Time.Advance(TimeSpan.FromMinutes(16));
        try
        {
            await (await factory.CreateClientFor(tokens).GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
        }
        finally
        {
            factory.Time.Advance(-TimeSpan.FromMinutes(16));
        }
    }

    [Fact]
    public async Task CleanupDeletesExpiredSessionsAndTokens()
    {
        var client = factory.CreateClient();
        var (_, tokens) = await factory.SignedInUserAsync(client);
        var userId = tokens.User.GetProperty("id").GetGuid();
        var cleanup = factory.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<ExpiredDataCleanup>().Single();

        factory.Time.Advance(TimeSpan.FromDays(8));
        try
        {
            Assert.True(await cleanup.RunOnceAsync(CancellationToken.None) > 0);
            await factory.InDbAsync(async db =>
            {
                Assert.False(await db.Sessions.AnyAsync(s => s.UserId == userId));
            });
        }
        finally
        {
            factory.Time.Advance(-TimeSpan.FromDays(8));
        }
    }
}
