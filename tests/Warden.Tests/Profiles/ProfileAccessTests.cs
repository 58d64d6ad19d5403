using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Authorization;
using Warden.Server.Events;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Profiles;

public sealed class ProfileAccessTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task AnotherUsersProfileIsNotFoundExactlyLikeAMissingId()
    {
        var owner = await factory.SignedInWithProfileAsync();
        var stranger = await factory.SignedInWithProfileAsync();

        var other = await stranger.Client.GetAsync($"/api/v1/users/{owner.Id}/profile");
        var missing = await stranger.Client.GetAsync($"/api/v1/users/{Guid.CreateVersion7()}/profile");
        await AssertSameNotFoundAsync(other, missing);

        var patchOther = await stranger.Client.PatchProfileAsync("""{"bio":"defaced"}""", $"/api/v1/users/{owner.Id}/profile");
        var patchMissing = await stranger.Client.PatchProfileAsync("""{"bio":"defaced"}""", $"/api/v1/users/{Guid.CreateVersion7()}/profile");
        await AssertSameNotFoundAsync(patchOther, patchMissing);

        // An invalid body does not reveal anything either: access is decided before the body is read.
        var invalid = await stranger.Client.PatchProfileAsync("""{"nickname":1}""", $"/api/v1/users/{owner.Id}/profile");
        await invalid.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");

        Assert.Equal(JsonValueKind.Null, (await owner.Client.GetProfileAsync()).GetProperty("bio").ValueKind);
        Assert.Equal(0, await factory.InDbAsync(db => db.OutboxMessages.CountAsync(m => m.Subject == owner.Id && m.Type == EventTypes.ProfileUpdated)));
    }

    [Fact]
    public async Task OwnerReadsAndChangesTheirProfileById()
    {
        var owner = await factory.SignedInWithProfileAsync();
        var profile = await owner.Client.GetProfileAsync($"/api/v1/users/{owner.Id}/profile");
        Assert.Equal(owner.Id, profile.GetProperty("userId").GetGuid());
        var patched = await (await owner.Client.PatchProfileAsync("""{"bio":"mine"}""", $"/api/v1/users/{owner.Id}/profile")).ReadJsonAsync();
        Assert.Equal("mine", patched.GetProperty("bio").GetString());
    }

    [Fact]
    public async Task ModeratorReadsAnyProfileButChangesNone()
    {
        var owner = await factory.SignedInWithProfileAsync();
        var moderator = await factory.SignedInWithProfileAsync();
        await AssignRoleAsync(moderator.Id, DefaultRoles.Moderator);

        // The token was issued before the role: the check reads current permissions, not the token's claims.
        var profile = await moderator.Client.GetProfileAsync($"/api/v1/users/{owner.Id}/profile");
        Assert.Equal("Test Person", profile.GetProperty("fullName").GetString());

        await (await moderator.Client.PatchProfileAsync("""{"bio":"moderated"}""", $"/api/v1/users/{owner.Id}/profile"))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await moderator.Client.GetAsync($"/api/v1/users/{Guid.CreateVersion7()}/profile")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await moderator.Client.PatchProfileAsync("""{"bio":"x"}""", $"/api/v1/users/{Guid.CreateVersion7()}/profile"))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not_found");

        // Taking the role away takes effect at once, with the same token (the access rules read current permissions).
        var admin = await factory.AdminClientAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.DeleteAsync($"/api/v1/admin/users/{moderator.Id}/roles/{DefaultRoles.Moderator}")).StatusCode);
        await (await moderator.Client.GetAsync($"/api/v1/users/{owner.Id}/profile")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task AdministratorChangesAnotherUsersProfileAndIsNamedAsTheActor()
    {
        var owner = await factory.SignedInWithProfileAsync();
        var root = await factory.AdminClientAsync();
        var admin = root.Client;
        var adminId = root.Id;

        var patched = await (await admin.PatchProfileAsync("""{"bio":"Set by an administrator"}""", $"/api/v1/users/{owner.Id}/profile")).ReadJsonAsync();
        Assert.Equal("Set by an administrator", patched.GetProperty("bio").GetString());
        Assert.Equal("Set by an administrator", (await owner.Client.GetProfileAsync()).GetProperty("bio").GetString());

        var data = JsonDocument.Parse(await factory.InDbAsync(db => db.OutboxMessages
            .Where(m => m.Subject == owner.Id && m.Type == EventTypes.ProfileUpdated).Select(m => m.Data).SingleAsync())).RootElement;
        Assert.Equal(adminId, data.GetProperty("actorId").GetGuid());

        // Even an administrator cannot reach an erased user's profile.
        var erased = await owner.Client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/v1/users/me") { Content = JsonContent.Create(new { password = AuthFlows.Password }) });
        Assert.Equal(HttpStatusCode.NoContent, erased.StatusCode);
        await (await admin.GetAsync($"/api/v1/users/{owner.Id}/profile")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task OnlyTheOwnerSeesTheirPhoneNumber()
    {
        var owner = await factory.SignedInWithProfileAsync();
        const string number = "+4915199900011";
        await (await owner.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/phone", new { phoneNumber = number, password = AuthFlows.Password })).ReadJsonAsync();
        Assert.Equal(number, (await owner.Client.GetProfileAsync()).GetProperty("phoneNumber").GetString());
        Assert.Equal(number, (await owner.Client.GetProfileAsync($"/api/v1/users/{owner.Id}/profile")).GetProperty("phoneNumber").GetString());

        // A moderator reading it, and an administrator changing it, see the profile without the number (a second factor).
        var moderator = await factory.SignedInWithProfileAsync();
        await AssignRoleAsync(moderator.Id, DefaultRoles.Moderator);
        var read = await (await moderator.Client.GetAsync($"/api/v1/users/{owner.Id}/profile")).ReadJsonAsync();
        Assert.Equal(JsonValueKind.Null, read.GetProperty("phoneNumber").ValueKind);
        Assert.DoesNotContain(number[4..], read.GetRawText(), StringComparison.Ordinal);

        var admin = await factory.AdminClientAsync();
        var patched = await (await admin.Client.PatchProfileAsync("""{"bio":"checked"}""", $"/api/v1/users/{owner.Id}/profile")).ReadJsonAsync();
        Assert.Equal(JsonValueKind.Null, patched.GetProperty("phoneNumber").ValueKind);
        var viaAdmin = await (await admin.Client.GetAsync($"/api/v1/users/{owner.Id}/profile")).ReadJsonAsync();
        Assert.Equal(JsonValueKind.Null, viaAdmin.GetProperty("phoneNumber").ValueKind);
        Assert.DoesNotContain(number[4..], (await (await admin.Client.GetAsync($"/api/v1/admin/users/{owner.Id}")).Content.ReadAsStringAsync()), StringComparison.Ordinal);

        // The owner still does (the cache holds one view for everyone).
        Assert.Equal(number, (await owner.Client.GetProfileAsync()).GetProperty("phoneNumber").GetString());
    }

    private async Task AssignRoleAsync(Guid userId, string role)
    {
        await factory.InDbAsync(async db =>
        {
            var roleId = await db.Roles.Where(r => r.Name == role).Select(r => r.Id).SingleAsync();
            db.UserRoles.Add(new UserRole { UserId = userId, RoleId = roleId, AssignedAt = factory.Time.GetUtcNow() });
            return await db.SaveChangesAsync();
        });
        // Straight into the database, so as the API's role writers do: forget the cached permissions (the sign-in cached them).
        factory.Services.GetRequiredService<PermissionService>().Invalidate();
    }

    private static async Task AssertSameNotFoundAsync(HttpResponseMessage forbidden, HttpResponseMessage missing)
    {
        var a = await forbidden.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        var b = await missing.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        static string Comparable(JsonElement problem) => JsonSerializer.Serialize(
            problem.EnumerateObject().Where(p => p.Name != "traceId").ToDictionary(p => p.Name, p => p.Value.GetRawText()));
        Assert.Equal(Comparable(b), Comparable(a));
        Assert.Equal(missing.Content.Headers.ContentType?.ToString(), forbidden.Content.Headers.ContentType?.ToString());
    }
}

public sealed class ProfileOpenApiTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task OpenApiDescribesEveryProfileEndpoint()
    {
        var document = await (await factory.CreateClient().GetAsync("/openapi/v1.json")).ReadJsonAsync();
        var paths = document.GetProperty("paths");
        foreach (var (path, method) in new[]
        {
            ("/api/v1/users/profile", "get"), ("/api/v1/users/profile", "put"), ("/api/v1/users/profile", "patch"),
            ("/api/v1/users/profile/avatar", "post"), ("/api/v1/users/{id}/profile", "get"), ("/api/v1/users/{id}/profile", "patch"),
            ("/api/v1/users/settings", "get"), ("/api/v1/users/settings", "put"), ("/api/v1/users/phone", "put"),
            ("/api/v1/users/phone/verify", "post"), ("/api/v1/users/email", "put"), ("/api/v1/users/email/confirm", "post"),
            ("/api/v1/users/me/export", "get"), ("/api/v1/users/me", "delete"), ("/avatars/{key}", "get"),
        })
        {
            Assert.True(paths.TryGetProperty(path, out var item) && item.TryGetProperty(method, out _), $"{method.ToUpperInvariant()} {path} is not in the OpenAPI document");
        }

        var patch = paths.GetProperty("/api/v1/users/profile").GetProperty("patch").GetProperty("requestBody").GetProperty("content");
        Assert.True(patch.TryGetProperty("application/merge-patch+json", out _), patch.GetRawText());
        var avatar = paths.GetProperty("/api/v1/users/profile/avatar").GetProperty("post").GetProperty("requestBody").GetProperty("content");
        Assert.True(avatar.TryGetProperty("image/png", out _), avatar.GetRawText());
    }
}
