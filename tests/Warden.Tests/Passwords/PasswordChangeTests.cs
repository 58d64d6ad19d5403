using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Warden.Server.Events;
using Warden.Tests.Infrastructure;
using Warden.Server.Infrastructure.Http;

namespace Warden.Tests.Passwords;

/// <summary>Changing the password while signed in (<c>PUT /api/v1/users/password</c>).</summary>
public sealed class PasswordChangeTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private const string NewPassword = "Changed-Mind-8204!";

    [Fact]
    public async Task ChangeEndsEveryOtherSessionAtOnceAndKeepsTheCurrentOne()
    {
        var client = factory.CreateClient();
        var (email, current) = await factory.SignedInUserAsync(client);
        var other = await client.LoginAsync(email);
        var third = await client.LoginAsync(email);

        var changer = factory.CreateClientFor(current);
        changer.DefaultRequestHeaders.UserAgent.ParseAdd("password-changer/1.0");
        var result = await (await changer.ChangeAsync(AuthFlows.Password, NewPassword)).ReadJsonAsync();
        Assert.Equal(2, result.GetProperty("revokedSessions").GetInt32());

        await (await factory.CreateClientFor(other).GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
        await (await factory.CreateClientFor(third).GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
        Assert.NotEqual(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = other.RefreshToken })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClientFor(current).GetAsync("/api/v1/users/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = current.RefreshToken })).StatusCode);

        await (await client.PostLoginAsync(email)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(HttpStatusCode.OK, (await client.PostLoginAsync(email, NewPassword)).StatusCode);

        var confirmation = await factory.WaitForEmailAsync(email, PasswordFlows.ChangedSubject);
        Assert.Contains("other sessions were signed out", confirmation.TextBody, StringComparison.Ordinal);

        var userId = current.User.GetProperty("id").GetGuid();
        var changed = Assert.Single(await factory.EventsAsync(userId, EventTypes.PasswordChanged));
        var data = JsonDocument.Parse(changed.Data).RootElement;
        Assert.Equal("change", data.GetProperty("method").GetString());
        Assert.Equal(SessionIdOf(current.AccessToken), data.GetProperty("keptSessionId").GetGuid());
        Assert.Equal("password-changer/1.0", data.GetProperty("userAgent").GetString()); // the request origin, added at SaveChanges
    }

    [Fact]
    public async Task WrongCurrentPasswordsLockReauthenticationButNotTheOwnersSignIn()
    {
        var client = factory.CreateClient();
        var (email, tokens) = await factory.SignedInUserAsync(client);
        for (var i = 0; i < 5; i++)
        {
            await (await factory.CreateClientFor(tokens).ChangeAsync("Wrong-Guess-1234!", NewPassword))
                .AssertProblemAsync(HttpStatusCode.Forbidden, ProblemCodes.ReauthenticationFailed);
        }

        // The sixth guess is not even evaluated: a stolen access token is no unlimited password oracle...
        await (await factory.CreateClientFor(tokens).ChangeAsync(AuthFlows.Password, NewPassword))
            .AssertProblemAsync(HttpStatusCode.TooManyRequests, ProblemCodes.ReauthenticationLocked);

        // ...and cannot lock the owner out of signing in either.
        Assert.Equal(HttpStatusCode.OK, (await client.PostLoginAsync(email)).StatusCode);
        Assert.Empty(await factory.EventsAsync(tokens.User.GetProperty("id").GetGuid(), EventTypes.UserLocked));
    }

    [Fact]
    public async Task ARightCurrentPasswordIsNotCountedAsAFailure()
    {
        var client = factory.CreateClient();
        var (email, tokens) = await factory.SignedInUserAsync(client);
        for (var i = 0; i < 4; i++)
        {
            await factory.CreateClientFor(tokens).ChangeAsync("Wrong-Guess-1234!", NewPassword);
        }

        // One wrong guess short of the lockout, the owner can still change (twice) and sign in.
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClientFor(tokens).ChangeAsync(AuthFlows.Password, NewPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClientFor(tokens).ChangeAsync(NewPassword, "Changed-Again-9315!")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostLoginAsync(email, "Changed-Again-9315!")).StatusCode);
    }

    [Fact]
    public async Task ConcurrentChangesLetExactlyOneWin()
    {
        var client = factory.CreateClient();
        var (email, tokens) = await factory.SignedInUserAsync(client);
        string[] candidates = ["Racing-Choice-1001!", "Racing-Choice-2002!", "Racing-Choice-3003!"];

        var answers = await Task.WhenAll(candidates.Select(c => factory.CreateClientFor(tokens).ChangeAsync(AuthFlows.Password, c)));

        // The losers saw either the winner's commit (the current password no longer matches: 403) or Identity's
        // concurrency stamp (409); never a server error, never two winners.
        var winner = Assert.Single(candidates.Zip(answers), pair => pair.Second.StatusCode == HttpStatusCode.OK).First;
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK),
            a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.Forbidden, HttpStatusCode.Conflict }));
        Assert.Equal(HttpStatusCode.OK, (await client.PostLoginAsync(email, winner)).StatusCode);
    }

    [Fact]
    public async Task NoneOfTheLastFivePasswordsMayBeChosenAgain()
    {
        var client = factory.CreateClient();
        var (_, tokens) = await factory.SignedInUserAsync(client);
        string[] passwords = [AuthFlows.Password, "Second-Choice-1101!", "Third-Choice-2202!", "Fourth-Choice-3303!", "Fifth-Choice-4404!", "Sixth-Choice-5505!"];
        for (var i = 1; i < passwords.Length; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await factory.CreateClientFor(tokens).ChangeAsync(passwords[i - 1], passwords[i])).StatusCode);
        }

        // The current one and the four before it are remembered; the sixth-newest is forgotten.
        var current = passwords[^1];
        foreach (var recent in passwords[^5..])
        {
            var problem = await (await factory.CreateClientFor(tokens).ChangeAsync(current, recent)).AssertProblemAsync(HttpStatusCode.BadRequest, "password_policy");
            Assert.Equal(["password_reused"], problem.GetProperty("failedRules").EnumerateArray().Select(r => r.GetString()));
        }

        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClientFor(tokens).ChangeAsync(current, passwords[0])).StatusCode);
    }

    [Fact]
    public async Task PolicyFailuresAreReportedAllAtOnce()
    {
        var client = factory.CreateClient();
        var (_, tokens) = await factory.SignedInUserAsync(client);

        var weak = await (await factory.CreateClientFor(tokens).ChangeAsync(AuthFlows.Password, "qwerty")).AssertProblemAsync(HttpStatusCode.BadRequest, "password_policy");
        Assert.Equal(
            ["password_too_short", "password_requires_uppercase", "password_requires_digit", "password_requires_special", "password_common"],
            weak.GetProperty("failedRules").EnumerateArray().Select(r => r.GetString()));
        var messages = weak.GetProperty("errors").GetProperty("newPassword").EnumerateArray().Select(m => m.GetString()!).ToList();
        Assert.Equal(5, messages.Count);
        Assert.Contains(messages, m => m.Contains("at least 8", StringComparison.Ordinal));

        var common = await (await factory.CreateClientFor(tokens).ChangeAsync(AuthFlows.Password, "Qwerty123!")).AssertProblemAsync(HttpStatusCode.BadRequest, "password_policy");
        Assert.Equal(["password_common"], common.GetProperty("failedRules").EnumerateArray().Select(r => r.GetString()));

        var tooLong = await (await factory.CreateClientFor(tokens).ChangeAsync(AuthFlows.Password, "Zz9#" + new string('q', 125)))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "password_policy");
        Assert.Equal(["password_too_long"], tooLong.GetProperty("failedRules").EnumerateArray().Select(r => r.GetString()));

        // Nothing changed.
        Assert.Equal(HttpStatusCode.OK, (await client.PostLoginAsync(tokens.User.GetProperty("email").GetString()!)).StatusCode);
    }

    [Fact]
    public async Task ChangeNeedsASignedInUserAndBothPasswords()
    {
        var client = factory.CreateClient();
        using (var anonymous = new HttpRequestMessage(HttpMethod.Put, "/api/v1/users/password") { Content = JsonContent.Create(new { currentPassword = "x", newPassword = "y" }) })
        {
            await (await client.SendAsync(anonymous)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        }

        var (_, tokens) = await factory.SignedInUserAsync(client);
        var problem = await (await factory.CreateClientFor(tokens).ChangeAsync("", "")).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("currentPassword", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("newPassword", out _));
    }

    private static Guid SessionIdOf(string accessToken)
    {
        var payload = accessToken.Split('.')[1];
        var json = Convert.FromBase64String(payload.Replace('-', '+').Replace('_', '/').PadRight(payload.Length + (4 - payload.Length % 4) % 4, '='));
        return JsonDocument.Parse(json).RootElement.GetProperty("sid").GetGuid();
    }
}
