using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Tests.Administration;
using Warden.Tests.Infrastructure;
using Warden.Tests.Pages;

namespace Warden.Tests.Profiles;

/// <summary>Profile, avatar and settings endpoints are decided by the configured access rules, like every other endpoint.</summary>
public sealed class ProfileAccessRuleTests : IDisposable
{
    private const string Rules = "Warden:Authorization:Rules:";

    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private readonly WardenFactory _factory = new WardenFactory()
        // No avatars at all, settings read-only, and nobody reads another user's profile (read:all notwithstanding).
        .With(Rules + "noAvatars:Effect", "deny").With(Rules + "noAvatars:Actions:0", "write").With(Rules + "noAvatars:ResourceType", "avatar")
        .With(Rules + "settingsReadOnly:Effect", "deny").With(Rules + "settingsReadOnly:Actions:0", "write").With(Rules + "settingsReadOnly:ResourceType", "settings")
        .With(Rules + "ownProfileOnly:Effect", "deny").With(Rules + "ownProfileOnly:Actions:0", "read").With(Rules + "ownProfileOnly:ResourceType", "profile")
        .With(Rules + "ownProfileOnly:Conditions:0:Attribute", "resource.ownerId")
        .With(Rules + "ownProfileOnly:Conditions:0:Operator", "notEquals")
        .With(Rules + "ownProfileOnly:Conditions:0:Ref", "subject.id");

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task ADenyRuleInConfigurationBlocksTheProfileAvatarAndSettingsEndpointsItNames()
    {
        var owner = await _factory.SignedInWithProfileAsync();
        var admin = await _factory.AdminClientAsync();
        var moderator = await _factory.SignedInWithRoleAsync(admin, "moderator");

        var avatar = new ByteArrayContent(Png);
        avatar.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        await (await owner.Client.PostAsync("/api/v1/users/profile/avatar", avatar)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(JsonValueKind.Null, (await owner.Client.GetProfileAsync()).GetProperty("avatarUrl").ValueKind);

        await (await owner.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/settings", """{"theme":"dark"}"""))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal("system", (await (await owner.Client.GetAsync("/api/v1/users/settings")).ReadJsonAsync()).GetProperty("theme").GetString());
        Assert.False(await _factory.InDbAsync(db => db.UserSettings.AnyAsync(s => s.UserId == owner.Id)));

        // read:all no longer reaches another user's profile (404, as for a missing id); one's own still works.
        await (await moderator.Client.GetAsync($"/api/v1/users/{owner.Id}/profile")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await admin.Client.GetAsync($"/api/v1/users/{owner.Id}/profile")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(moderator.Id, (await moderator.Client.GetProfileAsync()).GetProperty("userId").GetGuid());

        // What the rules do not name is untouched.
        Assert.Equal("mine", (await (await owner.Client.PatchProfileAsync("""{"bio":"mine"}""")).ReadJsonAsync()).GetProperty("bio").GetString());
    }

    [Fact]
    public async Task TheSameDenyRulesApplyOnTheAccountPages()
    {
        var (email, tokens) = await _factory.SignedInUserAsync();
        var userId = tokens.User.GetProperty("id").GetGuid();
        var page = _factory.PageClient();
        await page.SignInThroughPageAsync(email);
        var token = await page.FormTokenAsync("/account/profile");

        var file = new ByteArrayContent(Png);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var avatar = await page.PostAsync("/account/profile/avatar", new MultipartFormDataContent { { new StringContent(token), PageForms.TokenField }, { file, "avatar", "me.png" } });
        var settings = await page.PostFormAsync("/account/notifications", token, ("marketing", "true"), ("theme", "dark"));

        Assert.Equal(HttpStatusCode.Forbidden, avatar.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, settings.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await page.GetAsync("/account/notifications")).StatusCode); // reading is not denied
        Assert.Null(await _factory.InDbAsync(db => db.Profiles.Where(p => p.UserId == userId).Select(p => p.AvatarUrl).SingleOrDefaultAsync()));
        Assert.False(await _factory.InDbAsync(db => db.UserSettings.AnyAsync(s => s.UserId == userId)));
        Assert.Equal(HttpStatusCode.SeeOther, (await page.PostFormAsync("/account/profile", token, ("bio", "mine"))).StatusCode);
    }
}

/// <summary>What a role no longer grants, its holders can no longer do on profiles, with the same token.</summary>
public sealed class EmptiedRoleProfileTests : IDisposable
{
    private readonly WardenFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task ARoleEmptiedOfItsPermissionsLosesAccessToOthersProfiles()
    {
        var admin = await _factory.AdminClientAsync();
        var owner = await _factory.SignedInWithProfileAsync();
        var reviewerRole = await admin.CreateRoleAsync("reviewer", "read:all");
        var reviewer = await _factory.SignedInWithRoleAsync(admin, "reviewer");
        Assert.Equal(owner.Id, (await reviewer.Client.GetProfileAsync($"/api/v1/users/{owner.Id}/profile")).GetProperty("userId").GetGuid());

        await (await admin.Client.SendAsync(HttpMethod.Put, $"/api/v1/roles/{reviewerRole}", new { name = "reviewer", permissions = Array.Empty<string>() })).ReadJsonAsync();

        await (await reviewer.Client.GetAsync($"/api/v1/users/{owner.Id}/profile")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task TheUserRoleEmptiedOfItsPermissionsLosesAccessToOnesOwnProfileAndSettings()
    {
        var admin = await _factory.AdminClientAsync();
        var user = await _factory.SignedInWithProfileAsync();
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/v1/users/profile")).StatusCode);

        var roles = await (await admin.Client.GetAsync("/api/v1/roles")).ReadJsonAsync();
        var userRole = roles.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "user").GetProperty("id").GetGuid();
        await (await admin.Client.SendAsync(HttpMethod.Put, $"/api/v1/roles/{userRole}", new { name = "user", permissions = Array.Empty<string>() })).ReadJsonAsync();

        await (await user.Client.GetAsync("/api/v1/users/profile")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await user.Client.PatchProfileAsync("""{"bio":"still mine?"}""")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await user.Client.GetAsync($"/api/v1/users/{user.Id}/profile")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await user.Client.GetAsync("/api/v1/users/settings")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/settings", """{"theme":"dark"}""")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.False(await _factory.InDbAsync(db => db.OutboxMessages.AnyAsync(m => m.Subject == user.Id && m.Type == Warden.Server.Events.EventTypes.ProfileUpdated)));
    }
}
