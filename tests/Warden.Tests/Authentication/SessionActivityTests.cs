using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authentication;

/// <summary>Last use of sessions and last activity of users: kept current, coalesced, and recorded at sign-out.</summary>
public sealed class SessionActivityTests : IDisposable
{
    private readonly SqlTracingFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private async Task<(DateTimeOffset SessionLastUsed, DateTimeOffset? UserLastActive)> ActivityAsync(SignedInUser user) =>
        await _factory.InDbAsync(async db => (
            await db.Sessions.Where(s => s.UserId == user.Id).Select(s => s.LastUsedAt).SingleAsync(),
            await db.Users.Where(u => u.Id == user.Id).Select(u => u.LastActiveAt).SingleAsync()));

    /// <summary>The tables a GET of <paramref name="url"/> wrote.</summary>
    private async Task<IReadOnlyList<string>> WritesOfAsync(SignedInUser user, string url)
    {
        var traceId = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add(SqlTracingFactory.Header, traceId);
        Assert.Equal(HttpStatusCode.OK, (await user.Client.SendAsync(request)).StatusCode);
        return _factory.Trace.WrittenTables(traceId);
    }

    [Fact]
    public async Task AnAuthenticatedReadWithinAMinuteOfTheLastWriteWritesNothing()
    {
        var user = await _factory.SignedInClientAsync();
        var signedInAt = _factory.Time.GetUtcNow();
        Assert.Equal((signedInAt, signedInAt), await ActivityAsync(user));

        // Right after sign-in, which recorded the activity: nothing to write.
        Assert.Empty(await WritesOfAsync(user, "/api/v1/users/me"));

        // Two minutes on, the first request records the session's last use and the user's activity...
        _factory.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(["user_sessions", "users"], await WritesOfAsync(user, "/api/v1/users/me"));
        var firstUse = _factory.Time.GetUtcNow();
        Assert.Equal((firstUse, firstUse), await ActivityAsync(user));

        // ...and the next ones within the minute write nothing, and change nothing.
        foreach (var seconds in new[] { 1, 20, 30 })
        {
            _factory.Time.Advance(TimeSpan.FromSeconds(seconds));
            Assert.Empty(await WritesOfAsync(user, "/api/v1/users/me"));
            Assert.Empty(await WritesOfAsync(user, "/api/v1/users/profile"));
        }

        Assert.Equal((firstUse, firstUse), await ActivityAsync(user));

        // A minute after the last write, the next request writes again.
        _factory.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(["user_sessions", "users"], await WritesOfAsync(user, "/api/v1/users/me"));
        var now = _factory.Time.GetUtcNow();
        Assert.Equal((now, now), await ActivityAsync(user));
    }

    [Fact]
    public async Task LogoutRecordsTheUsersLastActivity()
    {
        var user = await _factory.SignedInClientAsync();
        var signedInAt = _factory.Time.GetUtcNow();
        _factory.Time.Advance(TimeSpan.FromMinutes(5));
        var loggedOutAt = _factory.Time.GetUtcNow();

        // With the refresh token alone: no authenticated request records anything, user.logged_out does.
        var logout = await _factory.CreateClient().PostAsJsonAsync("/api/v1/auth/logout", new { refreshToken = user.RefreshToken });
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Equal(signedInAt, (await ActivityAsync(user)).SessionLastUsed);

        await _factory.EventuallyInDbAsync(db => db.Users.AnyAsync(u => u.Id == user.Id && u.LastActiveAt == loggedOutAt),
            "user.logged_out to record the sign-out as the user's last activity");
    }
}
