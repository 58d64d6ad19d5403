using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Warden.Client.AspNetCore;
using Warden.Server.Infrastructure.Security;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Warden.Tests.Oidc;

namespace Warden.Tests.ClientLibrary;

/// <summary>The sample Courses service against a live Warden, through Warden.Client.AspNetCore only.</summary>
[SqliteOnly]
public sealed class CoursesServiceTests(CoursesFixture courses) : IClassFixture<CoursesFixture>
{
    private static readonly object NewCourse = new { title = "Phrasal verbs", level = "B1" };

    [Fact]
    public async Task OnlyATokenCarryingCoursesWriteMayAuthorCourses()
    {
        var (_, teacher) = await courses.UserTokenAsync("teacher");
        var (_, student) = await courses.UserTokenAsync();
        var wardensOwnToken = (await courses.Warden.SignedInClientAsync()).AccessToken;

        Assert.Equal(HttpStatusCode.Created, (await courses.SendAsync(HttpMethod.Post, "/courses", teacher, NewCourse)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await courses.SendAsync(HttpMethod.Post, "/courses", student, NewCourse)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await courses.SendAsync(HttpMethod.Post, "/courses", null, NewCourse)).StatusCode);
        // A token minted for Warden's own API (audience warden), even a valid one, is not a token for this service.
        Assert.Equal(HttpStatusCode.Unauthorized, (await courses.SendAsync(HttpMethod.Get, "/courses/enrolments/mine", wardensOwnToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await courses.SendAsync(HttpMethod.Get, "/courses", null)).StatusCode);
    }

    [Fact]
    public async Task TeachersEditTheirOwnCoursesAndAdministratorsEveryCourse()
    {
        var (_, author) = await courses.UserTokenAsync("teacher");
        var (_, colleague) = await courses.UserTokenAsync("teacher");
        var (_, administrator) = await courses.UserTokenAsync("admin");
        var (_, student) = await courses.UserTokenAsync();
        var created = await (await courses.SendAsync(HttpMethod.Post, "/courses", author, NewCourse)).ReadJsonAsync(HttpStatusCode.Created);
        var path = $"/courses/{created.GetProperty("id").GetGuid()}";

        Assert.Equal(HttpStatusCode.Forbidden, (await courses.SendAsync(HttpMethod.Put, path, colleague, new { title = "Mine now", level = "C2" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await courses.SendAsync(HttpMethod.Put, path, author, new { title = "Phrasal verbs II", level = "B2" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await courses.SendAsync(HttpMethod.Put, path, administrator, new { title = "Phrasal verbs III", level = "B2" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await courses.SendAsync(HttpMethod.Post, path + "/enrolments", student)).StatusCode);
        Assert.Equal("Phrasal verbs III", (await (await courses.SendAsync(HttpMethod.Get, path, null)).ReadJsonAsync()).GetProperty("title").GetString());
    }

    [Fact]
    public async Task ATokenOfASessionRevokedInWardenIsRefusedWithinTheRevocationWindow()
    {
        var (id, token) = await courses.UserTokenAsync();
        Assert.Equal(HttpStatusCode.OK, (await courses.SendAsync(HttpMethod.Get, "/courses/enrolments/mine", token)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await (await courses.AdminAsync()).Client.DeleteAsync($"/api/v1/admin/users/{id}/sessions")).StatusCode);
        var withinWindow = await courses.SendAsync(HttpMethod.Get, "/courses/enrolments/mine", token);
        courses.Warden.Time.Advance(CoursesFixture.RevocationWindow + TimeSpan.FromSeconds(1));
        var afterWindow = await courses.SendAsync(HttpMethod.Get, "/courses/enrolments/mine", token);

        Assert.Equal(HttpStatusCode.OK, withinWindow.StatusCode); // the answer introspected before the revocation is kept for the window
        Assert.Equal(HttpStatusCode.Unauthorized, afterWindow.StatusCode);
    }

    [Fact]
    public async Task ANewSigningKeyInWardenIsTrustedWithoutRestartingTheService()
    {
        var store = courses.Warden.Services.GetRequiredService<SigningKeyStore>();
        var (_, before) = await courses.UserTokenAsync();
        Assert.Equal(HttpStatusCode.OK, (await courses.SendAsync(HttpMethod.Get, "/courses/enrolments/mine", before)).StatusCode);

        // Rotation as OidcKeyRotationTests drives it: the successor is published, then signs from its activation.
        courses.Warden.Time.Advance(TimeSpan.FromMinutes(51));
        await store.EnsureKeysAsync();
        courses.Warden.Time.Advance(TimeSpan.FromMinutes(9));
        await store.EnsureKeysAsync();
        var (_, after) = await courses.UserTokenAsync();


        // The unknown kid starts a background fetch of Warden's keys (Microsoft.IdentityModel refreshes without
        // blocking): the service trusts the new key within moments, with no restart. In production the periodic
        // refresh sees the key while Warden only publishes it (WardenAuthenticationOptions.MetadataRefreshInterval).
        Assert.NotEqual(Kid(before), Kid(after));
        await Eventually.TrueAsync(
            async () => (await courses.SendAsync(HttpMethod.Get, "/courses/enrolments/mine", after)).StatusCode == HttpStatusCode.OK,
            "the service fetches Warden's new key", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task TheServiceAsksWardensCheckEndpointWithItsOwnClientCredentials()
    {
        var (id, _) = await courses.UserTokenAsync();
        var api = courses.Sample.Services.GetRequiredService<WardenApiClient>();

        var own = await api.CheckAsync(new WardenCheck(id, "read", "course", id));
        var others = await api.CheckAsync(new WardenCheck(id, "read", "course", Guid.NewGuid()));

        Assert.True(own.Allowed);
        Assert.False(others.Allowed);
    }

    private static string Kid(string jwt) => System.Text.Json.JsonDocument.Parse(
        Convert.FromBase64String(Pad(jwt.Split('.')[0].Replace('-', '+').Replace('_', '/')))).RootElement.GetProperty("kid").GetString()!;

    private static string Pad(string s) => s + new string('=', (4 - s.Length % 4) % 4);
}
