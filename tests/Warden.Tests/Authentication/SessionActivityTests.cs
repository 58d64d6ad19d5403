using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Database;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authentication;

/// <summary>
/// Counts the SQL statements run on behalf of requests that carry <see cref="Header"/> (background work has no
/// request, so the dispatcher and senders do not count).
/// </summary>
public sealed class StatementCountingFactory : WardenFactory
{
    public const string Header = "X-Count-Statements";

    public ConcurrentQueue<string> Statements { get; } = new();

    /// <summary>The statements counted so far that change data.</summary>
    public IReadOnlyList<string> Writes => [.. Statements.Where(IsWrite)];

    private static bool IsWrite(string sql) =>
        sql.Split(';').Select(s => s.TrimStart()).Any(s => s.StartsWith("INSERT", StringComparison.OrdinalIgnoreCase)
            || s.StartsWith("UPDATE", StringComparison.OrdinalIgnoreCase)
            || s.StartsWith("DELETE", StringComparison.OrdinalIgnoreCase));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services =>
        {
            services.AddSingleton(sp => new Counter(sp.GetRequiredService<IHttpContextAccessor>(), Statements));
            services.ConfigureDbContext<SqliteWardenDbContext>((sp, options) => options.AddInterceptors(sp.GetRequiredService<Counter>()));
            services.ConfigureDbContext<PostgresWardenDbContext>((sp, options) => options.AddInterceptors(sp.GetRequiredService<Counter>()));
        });
    }

    private sealed class Counter(IHttpContextAccessor accessor, ConcurrentQueue<string> statements) : DbCommandInterceptor
    {
        private void Count(DbCommand command)
        {
            if (accessor.HttpContext?.Request.Headers.ContainsKey(Header) == true)
            {
                statements.Enqueue(command.CommandText);
            }
        }

        public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
        {
            Count(command);
            return result;
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Count(command);
            return ValueTask.FromResult(result);
        }

        public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
        {
            Count(command);
            return result;
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            Count(command);
            return ValueTask.FromResult(result);
        }

        public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
        {
            Count(command);
            return result;
        }

        public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
        {
            Count(command);
            return ValueTask.FromResult(result);
        }
    }
}

/// <summary>Last use of sessions and last activity of users: kept current, coalesced, and recorded at sign-out.</summary>
public sealed class SessionActivityTests : IDisposable
{
    private readonly StatementCountingFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private async Task<(DateTimeOffset SessionLastUsed, DateTimeOffset? UserLastActive)> ActivityAsync(SignedInUser user) =>
        await _factory.InDbAsync(async db => (
            await db.Sessions.Where(s => s.UserId == user.Id).Select(s => s.LastUsedAt).SingleAsync(),
            await db.Users.Where(u => u.Id == user.Id).Select(u => u.LastActiveAt).SingleAsync()));

    private async Task<List<string>> WritesOfAsync(SignedInUser user, string url)
    {
        _factory.Statements.Clear();
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add(StatementCountingFactory.Header, "1");
        Assert.Equal(HttpStatusCode.OK, (await user.Client.SendAsync(request)).StatusCode);
        return [.. _factory.Writes];
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
        var writes = await WritesOfAsync(user, "/api/v1/users/me");
        Assert.Equal(2, writes.Count);
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
        Assert.Equal(2, (await WritesOfAsync(user, "/api/v1/users/me")).Count);
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
