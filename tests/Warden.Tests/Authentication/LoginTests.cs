using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Server.Users;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authentication;

public sealed class LoginTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task LoginReturnsTokensAndRecordsTheSignIn()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail();
        var id = await client.RegisterAsync(email, username: "ada" + Guid.NewGuid().ToString("N")[..6]);
        await factory.ActivateAsync(email);

        var body = await (await client.PostLoginAsync(email)).ReadJsonAsync();
        Assert.Equal("Bearer", body.GetProperty("tokenType").GetString());
        Assert.Equal(900, body.GetProperty("expiresIn").GetInt32());
        Assert.Equal(id, body.GetProperty("user").GetProperty("id").GetGuid());
        Assert.Contains("read:own", body.GetProperty("user").GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));

        var me = await (await factory.CreateClientFor(body.GetProperty("accessToken").GetString()!).GetAsync("/api/v1/users/me")).ReadJsonAsync();
        Assert.Equal(email, me.GetProperty("email").GetString());
        Assert.Equal("active", me.GetProperty("status").GetString());
        Assert.True(me.GetProperty("emailVerified").GetBoolean());

        await factory.InDbAsync(async db =>
        {
            var user = await db.Users.SingleAsync(u => u.Id == id);
            Assert.Equal(1, user.LoginCount);
            Assert.NotNull(user.LastLoginAt);
            Assert.True(await db.OutboxMessages.AnyAsync(m => m.Type == EventTypes.LoginSucceeded && m.Subject == id));
            var session = await db.Sessions.SingleAsync(s => s.UserId == id);
            Assert.Equal("pwd", session.Amr);
            Assert.Equal(factory.Time.GetUtcNow().AddHours(24), session.ExpiresAt);
        });
    }

    [Fact]
    public async Task LoginWorksWithTheUsernameToo()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail();
        var username = "grace" + Guid.NewGuid().ToString("N")[..6];
        await client.RegisterAsync(email, username: username);
        await factory.ActivateAsync(email);
        var response = await client.PostAsJsonAsync("/api/v1/auth/login", new { username = username.ToUpperInvariant(), password = AuthFlows.Password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task RememberMeMakesTheSessionLastSevenDays()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail();
        var id = await client.RegisterAsync(email);
        await factory.ActivateAsync(email);
        await client.LoginAsync(email, rememberMe: true);

        await factory.InDbAsync(async db =>
        {
            var session = await db.Sessions.SingleAsync(s => s.UserId == id);
            Assert.Equal(factory.Time.GetUtcNow().AddDays(7), session.ExpiresAt);
            Assert.True(await db.RefreshTokens.AllAsync(t => t.SessionId != session.Id || t.ExpiresAt <= session.ExpiresAt));
        });
    }

    [Fact]
    public async Task UnknownUserAndWrongPasswordAnswerTheSame()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail();
        await client.RegisterAsync(email);
        await factory.ActivateAsync(email);

        var wrongPassword = await client.PostLoginAsync(email, "Wrong-Pass-2024!");
        var unknownUser = await client.PostLoginAsync(AuthFlows.NewEmail("nobody"), "Wrong-Pass-2024!");

        var a = await wrongPassword.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var b = await unknownUser.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(a.GetProperty("title").GetString(), b.GetProperty("title").GetString());
        Assert.Equal(a.EnumerateObject().Select(p => p.Name), b.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task UnverifiedAndSuspendedStatesAreRevealedOnlyAfterTheRightPassword()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail();
        await client.RegisterAsync(email);

        await (await client.PostLoginAsync(email, "Wrong-Pass-2024!")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await client.PostLoginAsync(email)).AssertProblemAsync(HttpStatusCode.Forbidden, "email_not_verified");

        await factory.ActivateAsync(email);
        await factory.InDbAsync(async db =>
        {
            var normalized = email.ToUpperInvariant();
            await db.Users.Where(u => u.NormalizedEmail == normalized).ExecuteUpdateAsync(s => s.SetProperty(u => u.Status, UserStatus.Suspended));
        });

        await (await client.PostLoginAsync(email, "Wrong-Pass-2024!")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await client.PostLoginAsync(email)).AssertProblemAsync(HttpStatusCode.Forbidden, "account_suspended");
    }

    [Fact]
    public async Task FiveFailuresLockAnIdentifierEvenWithoutAnAccount()
    {
        var client = factory.CreateClient();
        var nobody = AuthFlows.NewEmail("ghost");
        for (var i = 0; i < 5; i++)
        {
            await (await client.PostLoginAsync(nobody, "Wrong-Pass-2024!")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        var locked = await client.PostLoginAsync(nobody, "Wrong-Pass-2024!");
        await locked.AssertProblemAsync((HttpStatusCode)423, "account_locked");
        Assert.True(int.Parse(locked.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public async Task LockoutHoldsAgainstTheRightPasswordAndExpiresAfterFifteenMinutes()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail();
        await client.RegisterAsync(email);
        await factory.ActivateAsync(email);
        for (var i = 0; i < 5; i++)
        {
            await client.PostLoginAsync(email, "Wrong-Pass-2024!");
        }

        await (await client.PostLoginAsync(email)).AssertProblemAsync((HttpStatusCode)423, "account_locked");

        factory.Time.Advance(TimeSpan.FromMinutes(14));
        await (await client.PostLoginAsync(email)).AssertProblemAsync((HttpStatusCode)423, "account_locked");

        factory.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.OK, (await client.PostLoginAsync(email)).StatusCode);
    }

    [Fact]
    public async Task ASuccessfulSignInClearsTheFailureCount()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail();
        await client.RegisterAsync(email);
        await factory.ActivateAsync(email);
        for (var i = 0; i < 4; i++)
        {
            await client.PostLoginAsync(email, "Wrong-Pass-2024!");
        }

        Assert.Equal(HttpStatusCode.OK, (await client.PostLoginAsync(email)).StatusCode);
        for (var i = 0; i < 4; i++)
        {
            await (await client.PostLoginAsync(email, "Wrong-Pass-2024!")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }
    }

    [Fact]
    public async Task TwentyParallelWrongGuessesGetAtMostFiveEvaluated()
    {
        var email = AuthFlows.NewEmail();
        var client = factory.CreateClient();
        await client.RegisterAsync(email);
        await factory.ActivateAsync(email);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => factory.CreateClient().PostLoginAsync(email, "Wrong-Pass-2024!")));

        var evaluated = responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized);
        var refused = responses.Count(r => (int)r.StatusCode == 423);
        Assert.True(evaluated <= 5, $"{evaluated} guesses were evaluated");
        Assert.Equal(20, evaluated + refused + responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
    }

    /// <summary>A problem's property names and its fixed texts (not the per-request trace id).</summary>
    private static string Shape(System.Text.Json.JsonElement problem) => string.Join(", ", problem.EnumerateObject()
        .Select(p => p.Name is "title" or "detail" or "code" or "status" or "type" ? $"{p.Name}={p.Value}" : p.Name));

    private static Task<HttpResponseMessage> PostUsernameLoginAsync(HttpClient client, string username, string password = AuthFlows.Password) =>
        client.PostAsJsonAsync("/api/v1/auth/login", new { username, password });

    [Fact]
    public async Task LockingTheEmailLocksTheUsernameOfTheSameAccount()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail("frank");
        var username = "frank" + Guid.NewGuid().ToString("N")[..6];
        await client.RegisterAsync(email, username: username);
        await factory.ActivateAsync(email);
        for (var i = 0; i < 5; i++)
        {
            await (await client.PostLoginAsync(email, "Wrong-Pass-2024!")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        // The username is another key to the same account, not a fresh set of guesses.
        await (await PostUsernameLoginAsync(client, username)).AssertProblemAsync((HttpStatusCode)423, "account_locked");
        await (await PostUsernameLoginAsync(client, username.ToUpperInvariant(), "Wrong-Pass-2024!")).AssertProblemAsync((HttpStatusCode)423, "account_locked");
    }

    [Fact]
    public async Task FailuresByEmailAndByUsernameAddUpOnTheAccount()
    {
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail("frank");
        var username = "frank" + Guid.NewGuid().ToString("N")[..6];
        await client.RegisterAsync(email, username: username);
        await factory.ActivateAsync(email);
        for (var i = 0; i < 3; i++)
        {
            await (await PostUsernameLoginAsync(client, username, "Wrong-Pass-2024!")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        for (var i = 0; i < 2; i++)
        {
            await (await client.PostLoginAsync(email, "Wrong-Pass-2024!")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        await (await client.PostLoginAsync(email)).AssertProblemAsync((HttpStatusCode)423, "account_locked");
    }

    [Fact]
    public async Task AnUnknownUsernameLocksAfterAsManyFailuresAndAnswersLikeAKnownOne()
    {
        var client = factory.CreateClient();
        var known = "grace" + Guid.NewGuid().ToString("N")[..6];
        var email = AuthFlows.NewEmail();
        await client.RegisterAsync(email, username: known);
        await factory.ActivateAsync(email);
        var unknown = "grace" + Guid.NewGuid().ToString("N")[..6];

        for (var i = 0; i < 5; i++)
        {
            var a = await (await PostUsernameLoginAsync(client, known, "Wrong-Pass-2024!")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
            var b = await (await PostUsernameLoginAsync(client, unknown, "Wrong-Pass-2024!")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
            Assert.Equal(Shape(a), Shape(b));
        }

        var knownLocked = await PostUsernameLoginAsync(client, known, "Wrong-Pass-2024!");
        var unknownLocked = await PostUsernameLoginAsync(client, unknown, "Wrong-Pass-2024!");
        var c = await knownLocked.AssertProblemAsync((HttpStatusCode)423, "account_locked");
        var d = await unknownLocked.AssertProblemAsync((HttpStatusCode)423, "account_locked");
        Assert.Equal(Shape(c), Shape(d));
        Assert.Equal(knownLocked.Headers.GetValues("Retry-After").Single(), unknownLocked.Headers.GetValues("Retry-After").Single());
    }

    [Fact]
    public async Task LoginFailsGivenMissingOrOversizedFields()
    {
        var client = factory.CreateClient();
        await (await client.PostAsJsonAsync("/api/v1/auth/login", new { })).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await client.PostAsJsonAsync("/api/v1/auth/login", new { email = "a@example.com" })).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await client.PostLoginAsync(new string('a', 300) + "@example.com", "x")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await client.PostLoginAsync("a@example.com", new string('p', 5000))).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
    }
}

public sealed class LoginRateLimitTests : IDisposable
{
    private readonly WardenFactory _factory = new WardenFactory().With("Warden:RateLimits:LoginPerIdentifierPerMinute", "3");

    [Fact]
    public async Task LoginAttemptsPerIdentifierAreRateLimitedWithRetryAfter()
    {
        var client = _factory.CreateClient();
        var email = AuthFlows.NewEmail();
        for (var i = 0; i < 3; i++)
        {
            await client.PostLoginAsync(email, "Wrong-Pass-2024!");
        }

        var limited = await client.PostLoginAsync(email, "Wrong-Pass-2024!");
        await limited.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(limited.Headers.Contains("Retry-After"));
    }

    public void Dispose() => _factory.Dispose();
}

public sealed class AuthRateLimitPerIpTests : IDisposable
{
    private readonly WardenFactory _factory = new WardenFactory().With("Warden:RateLimits:AuthPerIpPerMinute", "5");

    [Fact]
    public async Task AuthEndpointsAreRateLimitedPerClientIp()
    {
        var client = _factory.CreateClient();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 6; i++)
        {
            last = await client.PostAsJsonAsync("/api/v1/auth/resend-verification", new { email = AuthFlows.NewEmail() });
        }

        Assert.NotNull(last);
        await last.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(last.Headers.Contains("Retry-After"));
    }

    public void Dispose() => _factory.Dispose();
}
