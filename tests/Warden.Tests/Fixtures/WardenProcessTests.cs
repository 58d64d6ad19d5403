using System.Net;
using System.Net.Http.Json;
using Warden.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Warden.Tests.Fixtures;

[PostgresOnly]
public sealed class WardenProcessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TwoProcessesOnOneDatabaseBothBecomeReadyAndShareTheirUsers()
    {
        await using var first = await WardenProcess.StartAsync();
        output.WriteLine($"first node ({WardenProcess.ServerDll}) ready on {first.BaseAddress} after {first.StartTime.TotalMilliseconds:F0} ms");
        await using var second = await WardenProcess.StartOnStorageOfAsync(first);
        output.WriteLine($"second node ready on {second.BaseAddress} after {second.StartTime.TotalMilliseconds:F0} ms");
        using var toFirst = first.CreateClient();
        using var toSecond = second.CreateClient();
        var email = AuthFlows.NewEmail("node");

        await toFirst.RegisterAsync(email);
        // Either node's outbox may send the verification email; both write to the shared data directory.
        var token = (await first.Mailbox.WaitForAsync(email, timeout: TimeSpan.FromSeconds(30))).Token();
        Assert.Equal(HttpStatusCode.OK, (await toSecond.PostAsJsonAsync("/api/v1/auth/verify-email", new { token, password = AuthFlows.Password })).StatusCode);
        var tokens = await toSecond.LoginAsync(email);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/users/me");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tokens.AccessToken); // a separate process: no factory to make the client
        var me = await (await toFirst.SendAsync(request)).ReadJsonAsync();
        Assert.Equal(email, me.GetProperty("email").GetString());
    }
}
