using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Users;
using Warden.Tests.Infrastructure;
using Warden.Tests.Profiles;

namespace Warden.Tests.Authentication;

/// <summary>
/// The account view (<c>GET /users/me</c>, the tokens) is cached, and every kind of write to what it shows is seen on
/// the very next read: each test reads first (so the view is cached), writes through the API, then reads again.
/// </summary>
public sealed class AccountViewCacheTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private static async Task<JsonElement> MeAsync(SignedInUser user) => await (await user.Client.GetAsync("/api/v1/users/me")).ReadJsonAsync();

    private static string[] Strings(JsonElement view, string name) => [.. view.GetProperty(name).EnumerateArray().Select(e => e.GetString()!)];

    [Fact]
    public async Task ARoleGivenByAnAdministratorShowsOnTheNextRead()
    {
        var user = await factory.SignedInClientAsync();
        var admin = await factory.AdminClientAsync();
        Assert.DoesNotContain("moderator", Strings(await MeAsync(user), "roles"));

        Assert.True((await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{user.Id}/roles", new { role = "moderator" })).IsSuccessStatusCode);

        Assert.Contains("moderator", Strings(await MeAsync(user), "roles"));
    }

    [Fact]
    public async Task APermissionAddedToAHeldRoleShowsOnTheNextRead()
    {
        var user = await factory.SignedInClientAsync();
        var admin = await factory.AdminClientAsync();
        var name = "editors-" + Guid.NewGuid().ToString("N")[..8];
        var role = await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/roles", new { name, permissions = new[] { "read:own" } })).ReadJsonAsync(HttpStatusCode.Created);
        Assert.True((await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{user.Id}/roles", new { role = name })).IsSuccessStatusCode);
        Assert.DoesNotContain("read:all", Strings(await MeAsync(user), "permissions"));

        var updated = await admin.Client.SendAsync(
            HttpMethod.Put, $"/api/v1/roles/{role.GetProperty("id").GetGuid()}", new { name, permissions = new[] { "read:own", "read:all" } });
        Assert.True(updated.IsSuccessStatusCode);

        Assert.Contains("read:all", Strings(await MeAsync(user), "permissions"));
    }

    [Fact]
    public async Task ATurnedOnAuthenticatorShowsOnTheNextReadAndAnAdministratorsResetOnTheOneAfter()
    {
        var user = await factory.SignedInClientAsync();
        Assert.Empty(Strings(await MeAsync(user), "twoFactor"));
        var setup = await (await user.Client.PostAsJsonAsync("/api/v1/users/2fa/totp/setup", new { password = AuthFlows.Password })).ReadJsonAsync();
        var code = await Oathtool.TotpAsync(setup.GetProperty("secret").GetString()!, factory.Time.GetUtcNow());
        await (await user.Client.PostAsJsonAsync("/api/v1/users/2fa/totp/confirm", new { code })).ReadJsonAsync();

        Assert.Equal(["totp"], Strings(await MeAsync(user), "twoFactor"));

        var admin = await factory.AdminClientAsync();
        Assert.True((await admin.Client.SendAsync(HttpMethod.Delete, $"/api/v1/admin/users/{user.Id}/2fa")).IsSuccessStatusCode);
        var after = await user.Client.GetAsync("/api/v1/users/me");
        if (after.StatusCode == HttpStatusCode.OK)
        {
            Assert.Empty(Strings(await after.ReadJsonAsync(), "twoFactor"));
        }
        else
        {
            Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode); // the reset ended the user's sessions: nothing stale either
        }
    }

    [Fact]
    public async Task AConfirmedNewEmailAddressShowsOnTheNextRead()
    {
        var user = await factory.SignedInClientAsync();
        Assert.Equal(user.Email, (await MeAsync(user)).GetProperty("email").GetString());
        var newEmail = AuthFlows.NewEmail("moved");
        Assert.Equal(HttpStatusCode.Accepted,
            (await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/email", new { newEmail, password = AuthFlows.Password })).StatusCode);
        var confirmation = await factory.Mailbox.WaitForAsync(newEmail);
        Assert.True((await user.Client.SendJsonAsync(HttpMethod.Post, "/api/v1/users/email/confirm", new { token = confirmation.Token() })).IsSuccessStatusCode);

        Assert.Equal(newEmail, (await MeAsync(user)).GetProperty("email").GetString());
    }

    [Fact]
    public async Task ARenamedProfileIsTheNameOfTheNextToken()
    {
        var user = await factory.SignedInClientAsync();
        await factory.WaitForProfileAsync(user.Id);
        var client = factory.CreateClient();
        var first = await RefreshAsync(client, user.RefreshToken); // the token's view is cached now
        var name = "Renamed " + Guid.NewGuid().ToString("N")[..6];

        Assert.True((await user.Client.SendJsonAsync(HttpMethod.Patch, "/api/v1/users/profile", $$"""{"fullName":"{{name}}"}""")).IsSuccessStatusCode);

        var next = await RefreshAsync(client, first.RefreshToken);
        Assert.Equal(name, Claims(next.AccessToken).GetProperty("name").GetString());
    }

    [Fact]
    public async Task ActivityRecordedByALaterRequestShowsOnThatRequestsRead()
    {
        var user = await factory.SignedInClientAsync();
        var before = (await MeAsync(user)).GetProperty("lastActiveAt").GetDateTimeOffset();

        factory.Time.Advance(TimeSpan.FromMinutes(2));

        Assert.True((await MeAsync(user)).GetProperty("lastActiveAt").GetDateTimeOffset() > before);
    }

    [Fact]
    public async Task ASuspendedUsersRefreshIsRefusedRightAfterTheSuspension()
    {
        var admin = await factory.AdminClientAsync();
        var user = await factory.SignedInClientAsync();
        var client = factory.CreateClient();
        var first = await RefreshAsync(client, user.RefreshToken); // the user's facts are cached now

        Assert.True((await admin.Client.SendAsync(HttpMethod.Put, $"/api/v1/admin/users/{user.Id}/status", new { status = "suspended" })).IsSuccessStatusCode);

        await (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { first.RefreshToken })).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
    }

    [Fact]
    public async Task AStatusWrittenWithoutEndingTheSessionsStillRefusesTheNextRefresh()
    {
        var user = await factory.SignedInClientAsync();
        var client = factory.CreateClient();
        var first = await RefreshAsync(client, user.RefreshToken); // the user's facts are cached now

        // Not a path the API takes (a suspension ends the sessions, which refuses the refresh by itself): this is the
        // cached facts' own guard, forgotten by the save that changes the row.
        await factory.InScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<User>>();
            var row = await users.FindByIdAsync(user.Id.ToString());
            row!.Status = UserStatus.Suspended;
            Assert.True((await users.UpdateAsync(row)).Succeeded);
        });

        await (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { first.RefreshToken })).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
    }

    [Fact]
    public async Task AConfirmedNewEmailAddressIsTheAddressOfTheNextRefreshedToken()
    {
        var user = await factory.SignedInClientAsync();
        var client = factory.CreateClient();
        var first = await RefreshAsync(client, user.RefreshToken); // the user's facts are cached now
        var newEmail = AuthFlows.NewEmail("moved");
        Assert.Equal(HttpStatusCode.Accepted,
            (await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/email", new { newEmail, password = AuthFlows.Password })).StatusCode);
        var confirmation = await factory.Mailbox.WaitForAsync(newEmail);
        Assert.True((await user.Client.SendJsonAsync(HttpMethod.Post, "/api/v1/users/email/confirm", new { token = confirmation.Token() })).IsSuccessStatusCode);

        // The change ends the user's other sessions; this one (the session that confirmed it) goes on with the new address.
        var next = await RefreshAsync(client, first.RefreshToken);
        Assert.Equal(newEmail, Claims(next.AccessToken).GetProperty("email").GetString());
    }

    private static async Task<Tokens> RefreshAsync(HttpClient client, string refreshToken) =>
        AuthFlows.ReadTokens(await (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken })).ReadJsonAsync());

    private static JsonElement Claims(string jwt)
    {
        var payload = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        return JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload))).RootElement;
    }
}
