using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Authentication;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Tests.Infrastructure;
using Warden.Tests.Profiles;

namespace Warden.Tests.Authentication;

/// <summary>
/// The one re-authentication: the API asks for the proof with every sensitive request; the pages and console
/// (step-up) may rely on a proof given on the same session within the window.
/// </summary>
public sealed class ReauthenticationTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task AProofOnASessionHoldsForTheWindowOnThatSessionOnly()
    {
        var (_, tokens) = await factory.SignedInUserAsync();
        var userId = tokens.User.GetProperty("id").GetGuid();
        var sessionId = SessionIdOf(tokens.AccessToken);

        Assert.Equal(ProblemCodes.ReauthenticationRequired, await CheckAsync(userId, sessionId, null));
        Assert.Equal(ProblemCodes.ReauthenticationFailed, await CheckAsync(userId, sessionId, "Wrong-Pass-2024!"));
        Assert.Null(await CheckAsync(userId, sessionId, AuthFlows.Password));

        // Within the window, the same session needs no new proof; another session of the same user does.
        factory.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Null(await CheckAsync(userId, sessionId, null));
        Assert.Equal(ProblemCodes.ReauthenticationRequired, await CheckAsync(userId, Guid.CreateVersion7(), null));

        // After it, the proof is asked again.
        factory.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(ProblemCodes.ReauthenticationRequired, await CheckAsync(userId, sessionId, null));
    }

    [Fact]
    public async Task ARevokedSessionKeepsNoWindow()
    {
        var (_, tokens) = await factory.SignedInUserAsync();
        var userId = tokens.User.GetProperty("id").GetGuid();
        var sessionId = SessionIdOf(tokens.AccessToken);
        Assert.Null(await CheckAsync(userId, sessionId, AuthFlows.Password));

        await factory.InDbAsync(db => db.Sessions.Where(s => s.Id == sessionId).ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, factory.Time.GetUtcNow())));

        Assert.Equal(ProblemCodes.ReauthenticationRequired, await CheckAsync(userId, sessionId, null));
    }

    [Fact]
    public async Task TheApiAsksForTheProofWithEveryRequest()
    {
        var client = (await factory.SignedInClientAsync()).Client;

        var first = await client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/email", new { newEmail = AuthFlows.NewEmail("stepup"), password = AuthFlows.Password });
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await (await client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/email", new { newEmail = AuthFlows.NewEmail("stepup") }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, ProblemCodes.ReauthenticationRequired);
    }

    private Task<string?> CheckAsync(Guid userId, Guid sessionId, string? password) =>
        factory.InScopeAsync(async services =>
        {
            var user = await services.GetRequiredService<WardenDbContext>().Users.SingleAsync(u => u.Id == userId);
            var refused = await services.GetRequiredService<Reauthentication>().CheckAsync(user, sessionId, password, null, CancellationToken.None);
            return refused?.ProblemDetails.Extensions["code"] as string;
        });

    private static Guid SessionIdOf(string accessToken)
    {
        var payload = accessToken.Split('.')[1];
        var json = Convert.FromBase64String(payload.Replace('-', '+').Replace('_', '/').PadRight(payload.Length + (4 - payload.Length % 4) % 4, '='));
        return JsonDocument.Parse(json).RootElement.GetProperty("sid").GetGuid();
    }
}
