using System.Net;
using System.Net.Http.Json;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using static Warden.Tests.SeveralNodes.TwoNodes;

namespace Warden.Tests.SeveralNodes;

/// <summary>Two processes on one database and one data directory are one service: what one node starts, the other finishes.</summary>
[PostgresOnly]
[Collection(TwoNodesCollection.Name)]
public sealed class SharedAccountsTests(TwoNodes nodes)
{
    [Fact]
    public async Task AnAccountRegisteredOnOneNodeIsVerifiedSignedInAndReadOnTheOther()
    {
        var email = AuthFlows.NewEmail("node");
        await nodes.ToA.RegisterAsync(email);

        // Either node's outbox may send the verification email; both write to the shared data directory.
        var token = (await nodes.A.Mailbox.WaitForAsync(email, timeout: TimeSpan.FromSeconds(30))).Token();
        Assert.Equal(HttpStatusCode.OK, (await nodes.ToB.PostAsJsonAsync("/api/v1/auth/verify-email", new { token, password = AuthFlows.Password })).StatusCode);
        var tokens = await nodes.ToB.LoginAsync(email);

        var me = await GetJsonAsync(nodes.ToA, "/api/v1/users/me", tokens.AccessToken);
        Assert.Equal(email, me.GetProperty("email").GetString());
    }
}
