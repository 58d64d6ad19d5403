using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Warden.Server.Events;
using Warden.Server.Users;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authentication.Migration;

/// <summary>
/// The upstream of just-in-time migration, run by the tests on 127.0.0.1: it knows one password, answers slowly or
/// with 500 for some addresses, and records every address it is asked about; and a Warden that asks it.
/// </summary>
public sealed class MigrationUpstream : IAsyncLifetime
{
    public const string UpstreamPassword = "Upstream-Pass-4821!";
    public const string Secret = "upstream-shared-secret-0123456789";
    private WebApplication _upstream = null!;

    public ConcurrentQueue<string> Asked { get; } = new();

    public WardenFactory Warden { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _upstream = builder.Build();
        _upstream.MapPost("/check", async (HttpContext http) =>
        {
            if (http.Request.Headers.Authorization != $"Bearer {Secret}")
            {
                return Results.StatusCode(401);
            }

            var body = (await http.Request.ReadFromJsonAsync<JsonElement>())!;
            var email = body.GetProperty("email").GetString()!;
            Asked.Enqueue(email);
            if (email.StartsWith("slow", StringComparison.Ordinal))
            {
                await Task.Delay(TimeSpan.FromSeconds(3), http.RequestAborted);
            }

            if (email.StartsWith("broken", StringComparison.Ordinal))
            {
                return Results.StatusCode(500);
            }

            var valid = body.GetProperty("password").GetString() == UpstreamPassword;
            return Results.Json(new
            {
                valid,
                profile = valid ? new
                {
                    email,
                    emailVerified = !email.StartsWith("unverified", StringComparison.Ordinal),
                    username = "up" + Guid.NewGuid().ToString("N")[..10],
                    firstName = "Ada",
                    lastName = "Upstream",
                    roles = new[] { "moderator", "admin" },
                } : null,
            });
        });
        await _upstream.StartAsync();
        var url = _upstream.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Warden = new WardenFactory()
            .With("Warden:Network:AllowPrivateTargets", "true")
            .With("Warden:Migration:Upstream:Url", url + "/check")
            .With("Warden:Migration:Upstream:Secret", Secret)
            .With("Warden:Migration:Upstream:Timeout", "00:00:01")
            .With("Warden:Migration:Upstream:AllowedRoles:0", "moderator");
    }

    public async Task DisposeAsync()
    {
        await Warden.DisposeAsync();
        await _upstream.StopAsync();
        await _upstream.DisposeAsync();
    }
}

public sealed class JustInTimeMigrationTests(MigrationUpstream upstream) : IClassFixture<MigrationUpstream>
{
    private const string UpstreamPassword = MigrationUpstream.UpstreamPassword;
    private const string Secret = MigrationUpstream.Secret;
    private readonly WardenFactory _warden = upstream.Warden;

    private int Asked(string email) => upstream.Asked.Count(e => e == email);

    [Fact]
    public async Task AnUnknownAddressIsMigratedOnceWithItsProfileAndOnlyTheAllowedRolesThenSignsInLocally()
    {
        var client = _warden.CreateClient();
        var email = AuthFlows.NewEmail("migrated");

        var tokens = AuthFlows.ReadTokens(await (await client.PostLoginAsync(email, UpstreamPassword)).ReadJsonAsync());
        Assert.Equal(1, Asked(email));
        var user = await _warden.InDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Email == email));
        Assert.Equal(tokens.User.GetProperty("id").GetGuid(), user.Id);
        Assert.Equal(UserStatus.Active, user.Status);
        Assert.StartsWith("$argon2id$", user.PasswordHash, StringComparison.Ordinal);
        var roles = await _warden.InDbAsync(db => db.UserRoles.Where(r => r.UserId == user.Id).Select(r => r.Role!.Name!).OrderBy(n => n).ToListAsync());
        Assert.Equal(["moderator", "user"], roles);
        await _warden.EventuallyInDbAsync(db => db.Profiles.AnyAsync(p => p.UserId == user.Id && p.FirstName == "Ada" && p.LastName == "Upstream"), "the profile from upstream");
        Assert.True(await _warden.InDbAsync(db => db.OutboxMessages.AnyAsync(m => m.Type == EventTypes.UserMigrated && m.Subject == user.Id)));

        await (await client.PostLoginAsync(email, UpstreamPassword)).ReadJsonAsync();
        await (await client.PostLoginAsync(email, "Wrong-Password-0000")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(1, Asked(email)); // a local account now: never asked again, right password or wrong
    }

    [Fact]
    public async Task AWrongPasswordUpstreamCreatesNothing()
    {
        var email = AuthFlows.NewEmail("wrong");

        await (await _warden.CreateClient().PostLoginAsync(email, "Not-The-Upstream-1")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");

        Assert.Equal(1, Asked(email));
        Assert.False(await _warden.InDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
    }

    [Theory]
    [InlineData("slow")]
    [InlineData("broken")]
    public async Task AnUpstreamThatFailsOrTimesOutIsAWrongPasswordNeverAServerError(string kind)
    {
        var email = AuthFlows.NewEmail(kind);

        await (await _warden.CreateClient().PostLoginAsync(email, UpstreamPassword)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");

        Assert.False(await _warden.InDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
    }

    [Fact]
    public async Task AnUpstreamThatIsDownIsAWrongPassword()
    {
        await using var down = new WardenFactory()
            .With("Warden:Network:AllowPrivateTargets", "true")
            .With("Warden:Migration:Upstream:Url", $"http://127.0.0.1:{Fixtures.FreePort.Next()}/check")
            .With("Warden:Migration:Upstream:Secret", Secret);
        var email = AuthFlows.NewEmail("down");

        await (await down.CreateClient().PostLoginAsync(email, UpstreamPassword)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");

        Assert.False(await down.InDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
    }

    [Fact]
    public async Task AnAccountWardenHasIsNeverSentUpstream()
    {
        var client = _warden.CreateClient();
        var email = AuthFlows.NewEmail("local");
        await client.RegisterAsync(email);
        await _warden.ActivateAsync(email);

        await (await client.PostLoginAsync(email, UpstreamPassword)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await client.PostLoginAsync(email)).ReadJsonAsync();

        Assert.Equal(0, Asked(email));
    }

    [Fact]
    public async Task AnAddressTheUpstreamHasNotVerifiedIsMigratedButMustBeVerifiedFirst()
    {
        var email = AuthFlows.NewEmail("unverified");

        await (await _warden.CreateClient().PostLoginAsync(email, UpstreamPassword)).AssertProblemAsync(HttpStatusCode.Forbidden, "email_not_verified");

        Assert.Equal(UserStatus.PendingVerification, await _warden.InDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Status).SingleAsync()));
        await _warden.Mailbox.WaitForAsync(email); // the verification link, as after a registration
    }
}
