using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Profiles.Avatars;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Profiles;

public sealed class AvatarTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    // A real 1x1 PNG, a JPEG and a WebP header: the type is recognised by these leading bytes.
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0xFF, 0xD9];
    private static readonly byte[] WebP = [.. "RIFF"u8, 0x1A, 0, 0, 0, .. "WEBPVP8L"u8, 0x0D, 0, 0, 0, 0x2F, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xFE, 0x07, 0];

    [Fact]
    public async Task UploadedAvatarIsServedAnonymouslyAtAnImmutableUrl()
    {
        var user = await factory.SignedInWithProfileAsync();
        var profile = await (await UploadAsync(user, Png, "image/png")).ReadJsonAsync();
        var url = profile.GetProperty("avatarUrl").GetString()!;
        Assert.Matches($"^{Regex(WardenFactory.PublicBaseUrl)}/avatars/[0-9a-f]{{64}}\\.png$", url);
        Assert.Equal(url, (await user.Client.GetProfileAsync()).GetProperty("avatarUrl").GetString());

        var anonymous = factory.CreateClient();
        var response = await anonymous.GetAsync(new Uri(url).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("public, max-age=31536000, immutable", response.Headers.CacheControl?.ToString());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(Png, await response.Content.ReadAsByteArrayAsync());
        var key = url[(url.LastIndexOf('/') + 1)..];
        Assert.Equal($"\"{key[..64]}\"", response.Headers.ETag?.ToString());

        // In the database, which every node reads, and not on this node's disk.
        Assert.True(await factory.InDbAsync(db => db.Avatars.AnyAsync(a => a.Key == key && a.UserId == user.Id)));
        Assert.False(Directory.Exists(Path.Combine(factory.DataDirectory, "avatars")));

        // A revalidation with the entity tag costs no body.
        using var revalidation = new HttpRequestMessage(HttpMethod.Get, new Uri(url).PathAndQuery);
        revalidation.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        var notModified = await anonymous.SendAsync(revalidation);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task AvatarFilesOfAnEarlierVersionAreImportedIntoTheDatabase()
    {
        var user = await factory.SignedInWithProfileAsync();
        var storage = factory.Services.GetRequiredService<IAvatarStorage>();
        var key = AvatarKeys.For(user.Id, Png, ImageFormat.Detect(Png)!);
        var folder = factory.Services.GetRequiredService<IOptions<WardenOptions>>().Value.DataPath("avatars");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, key), Png);
        var url = storage.PublicUrl(key).AbsoluteUri;
        await factory.InDbAsync(db => db.Profiles.Where(p => p.UserId == user.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.AvatarUrl, url)));

        await factory.InScopeAsync(services =>
            services.GetServices<IDatabaseSeeder>().OfType<AvatarFileImport>().Single().SeedAsync(services, CancellationToken.None));
        await factory.InScopeAsync(services =>
            services.GetServices<IDatabaseSeeder>().OfType<AvatarFileImport>().Single().SeedAsync(services, CancellationToken.None)); // again: nothing to do

        var served = await factory.CreateClient().GetAsync(new Uri(url).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(Png, await served.Content.ReadAsByteArrayAsync());
        Directory.Delete(folder, recursive: true);
    }

    [Theory]
    [InlineData("jpeg", "image/jpeg", "jpg")]
    [InlineData("webp", "image/webp", "webp")]
    [InlineData("jpeg", "image/png", "jpg")]
    public async Task TheTypeComesFromTheContentNotTheDeclaredType(string kind, string declared, string extension)
    {
        var user = await factory.SignedInWithProfileAsync();
        var bytes = kind == "jpeg" ? Jpeg : WebP;
        var url = (await (await UploadAsync(user, bytes, declared)).ReadJsonAsync()).GetProperty("avatarUrl").GetString()!;
        Assert.EndsWith("." + extension, url, StringComparison.Ordinal);
        var served = await factory.CreateClient().GetAsync(new Uri(url).PathAndQuery);
        Assert.Equal(kind == "jpeg" ? "image/jpeg" : "image/webp", served.Content.Headers.ContentType?.MediaType);
    }

    public static TheoryData<string, byte[]> NotImages => new()
    {
        { "html", Encoding.UTF8.GetBytes("<html><script>alert(document.cookie)</script></html>") },
        { "svg", Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>") },
        { "gif", Encoding.ASCII.GetBytes("GIF89a\u0001\u0000\u0001\u0000\u0000\u0000\u0000;") },
        { "png signature cut short", Png[..6] },
        { "riff that is not webp", [.. "RIFF"u8, 4, 0, 0, 0, .. "WAVEfmt "u8, 0, 0, 0, 0] },
        { "empty", [] },
    };

    [Theory]
    [MemberData(nameof(NotImages))]
    public async Task ContentThatClaimsToBePngButIsNotIsRefused(string name, byte[] content)
    {
        var user = await factory.SignedInWithProfileAsync();
        await (await UploadAsync(user, content, "image/png")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_image");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await user.Client.GetProfileAsync()).GetProperty("avatarUrl").ValueKind);
        Assert.False(await factory.InDbAsync(db => db.Avatars.AnyAsync(a => a.UserId == user.Id)), name);
    }

    [Fact]
    public async Task NonImageContentTypesAreRefused()
    {
        var user = await factory.SignedInWithProfileAsync();
        await (await UploadAsync(user, Png, "application/octet-stream")).AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await (await UploadAsync(user, Png, "text/html")).AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task AvatarsOverTwoMebibytesAreRefusedWith413()
    {
        var user = await factory.SignedInWithProfileAsync();
        var exactly = new byte[2 * 1024 * 1024];
        Png.CopyTo(exactly, 0);
        await (await UploadAsync(user, exactly, "image/png")).ReadJsonAsync();

        var over = new byte[(2 * 1024 * 1024) + 1];
        Png.CopyTo(over, 0);
        await (await UploadAsync(user, over, "image/png")).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        // Without a Content-Length (chunked), the limit holds while reading.
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/users/profile/avatar") { Content = new StreamContent(new UnknownLengthStream(over)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        await (await user.Client.SendAsync(request)).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task ReplacedAvatarsAreDeleted()
    {
        var user = await factory.SignedInWithProfileAsync();
        var first = (await (await UploadAsync(user, Png, "image/png")).ReadJsonAsync()).GetProperty("avatarUrl").GetString()!;
        var second = (await (await UploadAsync(user, Jpeg, "image/jpeg")).ReadJsonAsync()).GetProperty("avatarUrl").GetString()!;
        Assert.NotEqual(first, second);
        await (await factory.CreateClient().GetAsync(new Uri(first).PathAndQuery)).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().GetAsync(new Uri(second).PathAndQuery)).StatusCode);

        // Pointing the profile at an external picture deletes the uploaded one too.
        await (await user.Client.PatchProfileAsync("""{"avatarUrl":"https://cdn.example.com/me.png"}""")).ReadJsonAsync();
        await (await factory.CreateClient().GetAsync(new Uri(second).PathAndQuery)).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task OneUsersAvatarCannotBeClaimedOrDeletedByAnother()
    {
        var owner = await factory.SignedInWithProfileAsync();
        var attacker = await factory.SignedInWithProfileAsync();
        var ownerUrl = (await (await UploadAsync(owner, Png, "image/png")).ReadJsonAsync()).GetProperty("avatarUrl").GetString()!;

        // The same picture gives the attacker a file of their own...
        var attackerUrl = (await (await UploadAsync(attacker, Png, "image/png")).ReadJsonAsync()).GetProperty("avatarUrl").GetString()!;
        Assert.NotEqual(ownerUrl, attackerUrl);
        await (await UploadAsync(attacker, Jpeg, "image/jpeg")).ReadJsonAsync();

        // ...and pointing at the owner's file (to have it deleted on the next change) is refused.
        await (await attacker.Client.PatchProfileAsync($$"""{"avatarUrl":"{{ownerUrl}}"}""")).AssertValidationAsync("avatarUrl");
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().GetAsync(new Uri(ownerUrl).PathAndQuery)).StatusCode);

        // Echoing one's own current URL back (GET then PUT) is fine.
        var current = await attacker.Client.GetProfileAsync();
        await (await attacker.Client.PutProfileAsync(current.GetRawText())).ReadJsonAsync();
    }

    [Theory]
    [InlineData("/avatars/..%2F..%2Fwarden.db")]
    [InlineData("/avatars/..%2Fkeys%2Fone-time-codes.key")]
    [InlineData("/avatars/0000000000000000000000000000000000000000000000000000000000000000.png")]
    [InlineData("/avatars/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.png")]
    [InlineData("/avatars/x.svg")]
    public async Task OnlyStoredAvatarsAreServed(string path)
    {
        await (await factory.CreateClient().GetAsync(path)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    private static Task<HttpResponseMessage> UploadAsync(SignedInUser user, byte[] content, string contentType)
    {
        var body = new ByteArrayContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return user.Client.PostAsync("/api/v1/users/profile/avatar", body);
    }

    private static string Regex(string value) => System.Text.RegularExpressions.Regex.Escape(value);

    /// <summary>A stream that hides its length, so the client sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;
    }
}
