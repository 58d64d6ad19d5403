using System.Collections.Concurrent;
using System.Net;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Warden.Tests.SeveralNodes;

/// <summary>
/// Events written on two nodes reach each handler once, and none is lost when a node is killed with SIGKILL while
/// it may hold a claimed batch, nor across a rolling restart, under a steady trickle of sign-ins on both nodes.
/// Each successful sign-in commits one <c>login.succeeded</c>; the audit handler writes one entry per event and the
/// analytics handler adds one to the day's sign-ins, so both counts must equal the events exactly.
/// </summary>
[PostgresOnly]
[Collection(TwoNodesCollection.Name)]
public sealed class EventsAcrossNodesTests(TwoNodes nodes, ITestOutputHelper output)
{
    [Fact]
    public async Task SignInEventsReachEachHandlerOnceThroughAKilledNodeAndARollingRestart()
    {
        await WaitUntilEveryEventIsHandledAsync();
        var loginsBefore = await nodes.ScalarAsync("SELECT coalesce(sum(logins), 0) FROM daily_stats");
        var eventsBefore = await LoginEventsAsync();
        var users = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            users.Add((await nodes.CreateUserAsync()).Email);
        }

        var answers = new ConcurrentBag<HttpStatusCode>();
        var resets = 0;
        using var stop = new CancellationTokenSource();
        var trickle = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                // Round robin over the users; past the shared per-identifier limit a sign-in is refused with 429, an answer too.
                try
                {
                    using var response = await (i % 2 == 0 ? nodes.ToA : nodes.ToB).PostLoginAsync(users[i % users.Count]);
                    answers.Add(response.StatusCode);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref resets); // the node is down: a connection refused or reset, never an answer
                }

                await Task.Delay(200);
            }
        });

        await Task.Delay(1500);
        await nodes.B.KillAsync();
        output.WriteLine("node B killed with SIGKILL");
        await Task.Delay(500);
        await nodes.B.RestartAsync();
        output.WriteLine($"node B back after {nodes.B.StartTime.TotalMilliseconds:F0} ms");
        await Task.Delay(1000);
        await nodes.A.StopGracefullyAsync();
        output.WriteLine("node A stopped (SIGTERM)");
        await nodes.A.RestartAsync();
        output.WriteLine($"node A back after {nodes.A.StartTime.TotalMilliseconds:F0} ms");
        await Task.Delay(1000);
        await stop.CancelAsync();
        await trickle;

        var signedIn = answers.Count(a => a == HttpStatusCode.OK);
        output.WriteLine($"{signedIn} sign-ins answered 200, {answers.Count - signedIn} 429 (the shared limit), {resets} refused while a node was down");
        Assert.All(answers, a => Assert.True(a is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"a sign-in answered {(int)a}"));
        Assert.True(signedIn >= 10, $"the trickle should have signed in a good number of times, not {signedIn}");

        await WaitUntilEveryEventIsHandledAsync();
        var events = await LoginEventsAsync() - eventsBefore;
        Assert.Equal(signedIn, events);
        Assert.Equal(0, await nodes.ScalarAsync("SELECT count(*) FROM outbox_messages WHERE poisoned"));
        Assert.Equal(events, await nodes.ScalarAsync("SELECT coalesce(sum(logins), 0) FROM daily_stats") - loginsBefore);
        Assert.Equal(0, await nodes.ScalarAsync(
            "SELECT count(*) FROM outbox_messages m WHERE m.type = 'login.succeeded' AND (SELECT count(*) FROM audit_log a WHERE a.event_id = m.id) <> 1"));

        // Both nodes serve again, sharing through Redis.
        await nodes.ToA.LoginAsync(WardenFactory.AdminEmail, WardenFactory.AdminPassword);
        await nodes.ToB.LoginAsync(WardenFactory.AdminEmail, WardenFactory.AdminPassword);
    }

    private Task<long> LoginEventsAsync() => nodes.ScalarAsync("SELECT count(*) FROM outbox_messages WHERE type = 'login.succeeded'");

    private Task WaitUntilEveryEventIsHandledAsync() =>
        Eventually.TrueAsync(async () => await nodes.ScalarAsync("SELECT count(*) FROM outbox_messages WHERE processed_at IS NULL AND NOT poisoned") == 0,
            "every event to be handled", TimeSpan.FromSeconds(30));
}
