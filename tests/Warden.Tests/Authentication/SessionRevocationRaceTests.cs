using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Infrastructure.Database;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authentication;

/// <summary>
/// The session cache between nodes: a node that reads a session while its revocation is still uncommitted caches it
/// as active; the revocation marks it revoked again once it commits, so the stale answer does not outlive the commit.
/// </summary>
public sealed class SessionRevocationRaceTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task AReadDuringAnUncommittedRevocationDoesNotKeepTheSessionAliveAfterTheCommit()
    {
        var (_, tokens) = await factory.SignedInUserAsync();
        var userId = tokens.User.GetProperty("id").GetGuid();
        var sessionId = await factory.InDbAsync(db => db.Sessions.Where(s => s.UserId == userId).Select(s => s.Id).SingleAsync());
        var cache = factory.Services.GetRequiredService<SessionCache>();
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();

        bool activeBeforeCommit;
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            await scope.ServiceProvider.GetRequiredService<SessionRevocation>().RevokeAllAsync(userId, null, RevocationReasons.Logout, default);
            // Another node's request: its cached entry was evicted, it reads the row (not yet revoked) and caches it.
            cache.Forget(sessionId);
            activeBeforeCommit = await cache.IsActiveAsync(sessionId, userId, default);
            await transaction.CommitAsync();
        }

        Assert.True(activeBeforeCommit, "the racing read saw the uncommitted row as active (the race this test is about)");
        Assert.False(await cache.IsActiveAsync(sessionId, userId, default));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await factory.CreateClientFor(tokens).GetAsync("/api/v1/users/me")).StatusCode);
    }
}
