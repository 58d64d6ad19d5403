using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Profiles;

public sealed class ProfileTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task ProfileStartsAsTheDefaultMadeAtRegistration()
    {
        var user = await factory.SignedInWithProfileAsync();
        var profile = await user.Client.GetProfileAsync();
        Assert.Equal(user.Id, profile.GetProperty("userId").GetGuid());
        Assert.Equal("Test Person", profile.GetProperty("fullName").GetString());
        Assert.Equal(JsonValueKind.Null, profile.GetProperty("phoneNumber").ValueKind);
        Assert.False(profile.GetProperty("phoneVerified").GetBoolean());
        Assert.Equal("{}", profile.GetProperty("preferences").GetRawText());
    }

    [Fact]
    public async Task ProfileWithoutARowIsAnsweredFromDefaultsWithoutWritingOne()
    {
        var user = await factory.SignedInWithProfileAsync();
        await factory.InDbAsync(db => db.Profiles.Where(p => p.UserId == user.Id).ExecuteDeleteAsync());

        var profile = await user.Client.GetProfileAsync();
        Assert.Equal(JsonValueKind.Null, profile.GetProperty("fullName").ValueKind);
        Assert.Equal("{}", profile.GetProperty("preferences").GetRawText());
        Assert.False(await factory.InDbAsync(db => db.Profiles.AnyAsync(p => p.UserId == user.Id)));

        // The first change creates it.
        await (await user.Client.PatchProfileAsync("""{"bio":"hello"}""")).ReadJsonAsync();
        Assert.True(await factory.InDbAsync(db => db.Profiles.AnyAsync(p => p.UserId == user.Id && p.Bio == "hello")));
    }

    [Fact]
    public async Task MergePatchLeavesAbsentFieldsRemovesNullsAndSetsValues()
    {
        var user = await factory.SignedInWithProfileAsync();
        await (await user.Client.PatchProfileAsync("""{"bio":"Keeper of keys","timezone":"Europe/Berlin","locale":"de-DE"}""")).ReadJsonAsync();

        var patched = await (await user.Client.PatchProfileAsync("""{"bio":null,"firstName":"Ada"}""")).ReadJsonAsync();
        Assert.Equal(JsonValueKind.Null, patched.GetProperty("bio").ValueKind);
        Assert.Equal("Ada", patched.GetProperty("firstName").GetString());
        Assert.Equal("Europe/Berlin", patched.GetProperty("timezone").GetString());
        Assert.Equal("de-DE", patched.GetProperty("locale").GetString());
        Assert.Equal("Test Person", patched.GetProperty("fullName").GetString());
    }

    [Fact]
    public async Task MergePatchMergesNestedPreferences()
    {
        var user = await factory.SignedInWithProfileAsync();
        await (await user.Client.PatchProfileAsync("""{"preferences":{"ui":{"density":"compact","sidebar":true},"tags":[1,2],"lang":"en"}}""")).ReadJsonAsync();

        var patched = await (await user.Client.PatchProfileAsync("""{"preferences":{"ui":{"sidebar":null,"font":"serif"},"tags":null,"extra":{"a":{"b":null,"c":1}}}}""")).ReadJsonAsync();
        var expected = JsonDocument.Parse("""{"ui":{"density":"compact","font":"serif"},"lang":"en","extra":{"a":{"c":1}}}""").RootElement;
        Assert.True(JsonElement.DeepEquals(expected, patched.GetProperty("preferences")), patched.GetProperty("preferences").GetRawText());

        // An array is replaced whole, and null for the whole object resets it to {}.
        patched = await (await user.Client.PatchProfileAsync("""{"preferences":{"lang":["en","de"]}}""")).ReadJsonAsync();
        Assert.Equal("""["en","de"]""", patched.GetProperty("preferences").GetProperty("lang").GetRawText());
        patched = await (await user.Client.PatchProfileAsync("""{"preferences":null}""")).ReadJsonAsync();
        Assert.Equal("{}", patched.GetProperty("preferences").GetRawText());
    }

    [Fact]
    public async Task PutReplacesTheWholeProfileAndIgnoresEchoedReadOnlyFields()
    {
        var user = await factory.SignedInWithProfileAsync();
        await (await user.Client.PatchProfileAsync("""{"bio":"old bio","preferences":{"a":1}}""")).ReadJsonAsync();

        // GET, change one field, PUT it back: a round trip works, read-only fields included.
        var current = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>((await user.Client.GetProfileAsync()).GetRawText())!;
        current["lastName"] = JsonDocument.Parse("\"Lovelace\"").RootElement;
        var put = await (await user.Client.PutProfileAsync(JsonSerializer.Serialize(current))).ReadJsonAsync();
        Assert.Equal("Lovelace", put.GetProperty("lastName").GetString());
        Assert.Equal("old bio", put.GetProperty("bio").GetString());

        // Fields left out of a PUT are cleared.
        put = await (await user.Client.PutProfileAsync("""{"fullName":"Only Name"}""")).ReadJsonAsync();
        Assert.Equal("Only Name", put.GetProperty("fullName").GetString());
        Assert.Equal(JsonValueKind.Null, put.GetProperty("bio").ValueKind);
        Assert.Equal(JsonValueKind.Null, put.GetProperty("lastName").ValueKind);
        Assert.Equal("{}", put.GetProperty("preferences").GetRawText());
    }

    [Fact]
    public async Task MergePatchRefusesReadOnlyFields()
    {
        var user = await factory.SignedInWithProfileAsync();
        var errors = await (await user.Client.PatchProfileAsync("""{"phoneNumber":"+4915112345678","phoneVerified":true,"userId":"00000000-0000-0000-0000-000000000001"}"""))
            .AssertValidationAsync("phoneNumber", "phoneVerified", "userId");
        Assert.Contains("/api/v1/users/phone", errors.GetProperty("phoneNumber")[0].GetString(), StringComparison.Ordinal);
        Assert.Null(await factory.InDbAsync(db => db.Profiles.Where(p => p.UserId == user.Id).Select(p => p.PhoneNumberProtected).SingleAsync()));
    }

    [Fact]
    public async Task UnknownFieldsAndWrongTypesAreAllListedAndNothingChanges()
    {
        var user = await factory.SignedInWithProfileAsync();
        var errors = await (await user.Client.PatchProfileAsync("""{"nickname":"x","bio":5,"fullName":true,"preferences":"{}","locale":["en"],"FirstName":"A","timezone":{}}"""))
            .AssertValidationAsync("nickname", "bio", "fullName", "preferences", "locale", "FirstName", "timezone");
        Assert.Equal(7, errors.EnumerateObject().Count());

        // Valid fields next to invalid ones are not applied either.
        await (await user.Client.PatchProfileAsync("""{"bio":"applied?","nickname":"x"}""")).AssertValidationAsync("nickname");
        Assert.Equal(JsonValueKind.Null, (await user.Client.GetProfileAsync()).GetProperty("bio").ValueKind);

        // The same field twice is ambiguous.
        await (await user.Client.PatchProfileAsync("""{"bio":"a","bio":"b"}""")).AssertValidationAsync("bio");
    }

    public static TheoryData<string, string> InvalidValues => new()
    {
        { "fullName", JsonSerializer.Serialize(new string('a', 201)) },
        { "fullName", "\"Tab\\tname\"" },
        { "fullName", "\"nul\\u0000name\"" },
        { "fullName", "\"lone \\ud800 surrogate\"" },
        { "firstName", JsonSerializer.Serialize(new string('b', 101)) },
        { "firstName", "\"esc\\u001b[31m\"" },
        { "lastName", JsonSerializer.Serialize(new string('c', 101)) },
        { "bio", JsonSerializer.Serialize(new string('d', 1001)) },
        { "bio", JsonSerializer.Serialize(string.Concat(Enumerable.Repeat("😀", 1001))) },
        { "bio", "\"bell\\u0007\"" },
        { "avatarUrl", "\"javascript:alert(1)\"" },
        { "avatarUrl", "\"ftp://example.com/a.png\"" },
        { "avatarUrl", "\"/relative/a.png\"" },
        { "avatarUrl", "\"https://user:secret@example.com/a.png\"" },
        { "avatarUrl", "\"https://example.com/a b.png\"" },
        { "avatarUrl", JsonSerializer.Serialize("https://example.com/" + new string('x', 2048)) },
        { "avatarUrl", "\"https://warden.test/avatars/" + new string('a', 64) + ".png\"" },
        { "timezone", "\"Mars/Olympus_Mons\"" },
        { "timezone", "\"../../../etc/passwd\"" },
        { "timezone", "\"Europe/../Europe/Berlin\"" },
        { "timezone", "\"Pacific Standard Time\"" },
        { "timezone", "\"\"" },
        { "locale", "\"english\"" },
        { "locale", "\"en_US\"" },
        { "locale", "\"xx-YY\"" },
        { "locale", "\"en-US-<script>\"" },
        { "locale", "\"\"" },
        { "preferences", "[1,2]" },
        { "preferences", "42" },
        { "preferences", "{\"a\":\"\\udc00\"}" },
    };

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public async Task InvalidFieldValuesAreRefused(string field, string json)
    {
        var user = await factory.SignedInWithProfileAsync();
        await (await user.Client.PatchProfileAsync($$"""{"{{field}}":{{json}}}""")).AssertValidationAsync(field);
        await (await user.Client.PutProfileAsync($$"""{"{{field}}":{{json}}}""")).AssertValidationAsync(field);
    }

    [Theory]
    [InlineData("timezone", "Europe/Berlin", "Europe/Berlin")]
    [InlineData("timezone", "America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires")]
    [InlineData("timezone", "UTC", "UTC")]
    [InlineData("timezone", "Etc/GMT+5", "Etc/GMT+5")]
    [InlineData("locale", "de-DE", "de-DE")]
    [InlineData("locale", "de-de", "de-DE")]
    [InlineData("locale", "en", "en")]
    [InlineData("locale", "zh-Hant-TW", "zh-Hant-TW")]
    [InlineData("locale", "es-419", "es-419")]
    [InlineData("avatarUrl", "https://cdn.example.com/a/b.png?v=2", "https://cdn.example.com/a/b.png?v=2")]
    [InlineData("avatarUrl", "http://localhost:3000/me.jpg", "http://localhost:3000/me.jpg")]
    public async Task ValidFieldValuesAreStored(string field, string value, string stored)
    {
        var user = await factory.SignedInWithProfileAsync();
        var profile = await (await user.Client.PatchProfileAsync(JsonSerializer.Serialize(new Dictionary<string, string> { [field] = value }))).ReadJsonAsync();
        Assert.Equal(stored, profile.GetProperty(field).GetString());
    }

    [Fact]
    public async Task HostileStringsAreStoredAndReturnedIntact()
    {
        var user = await factory.SignedInWithProfileAsync();
        var bio = string.Concat(Enumerable.Repeat("👩‍💻", 142)) + "<img src=x onerror=alert(1)>\n\t\"'\\";
        bio += new string('z', 1000 - bio.EnumerateRunes().Count());
        Assert.Equal(1000, bio.EnumerateRunes().Count());
        var hostile = new Dictionary<string, object>
        {
            ["fullName"] = "<script>alert('pwned')</script>",
            ["firstName"] = "Ælfgifu 李小龍 Zoë",
            ["lastName"] = "\u202Egnp.exe\u202C \u200Bzero-width",
            ["bio"] = bio,
            ["preferences"] = new Dictionary<string, object>
            {
                ["html"] = "</script><script>alert(1)</script>",
                ["sql"] = "'; DROP TABLE users; --",
                ["rtl"] = "\u202Eevil",
                ["nul"] = "a\u0000b",
                ["nested"] = new Dictionary<string, object> { ["emoji"] = "🏳️‍🌈", ["n"] = 1.5e300, ["deep"] = new[] { true, false } },
            },
        };
        var json = JsonSerializer.Serialize(hostile);
        var put = await user.Client.PutProfileAsync(json);
        var body = await put.ReadJsonAsync();
        Assert.Equal("application/json", put.Content.Headers.ContentType?.MediaType);

        foreach (var profile in new[] { body, await user.Client.GetProfileAsync(), await user.Client.GetProfileAsync($"/api/v1/users/{user.Id}/profile") })
        {
            Assert.Equal("<script>alert('pwned')</script>", profile.GetProperty("fullName").GetString());
            Assert.Equal("Ælfgifu 李小龍 Zoë", profile.GetProperty("firstName").GetString());
            Assert.Equal("\u202Egnp.exe\u202C \u200Bzero-width", profile.GetProperty("lastName").GetString());
            Assert.Equal(bio, profile.GetProperty("bio").GetString());
            var preferences = profile.GetProperty("preferences");
            Assert.Equal("</script><script>alert(1)</script>", preferences.GetProperty("html").GetString());
            Assert.Equal("'; DROP TABLE users; --", preferences.GetProperty("sql").GetString());
            Assert.Equal("\u202Eevil", preferences.GetProperty("rtl").GetString());
            Assert.Equal("a\u0000b", preferences.GetProperty("nul").GetString());
            Assert.Equal("🏳️‍🌈", preferences.GetProperty("nested").GetProperty("emoji").GetString());
            Assert.Equal(1.5e300, preferences.GetProperty("nested").GetProperty("n").GetDouble());
        }

        var row = await factory.InDbAsync(db => db.Profiles.AsNoTracking().SingleAsync(p => p.UserId == user.Id));
        Assert.Equal(bio, row.Bio);
        Assert.Equal("\u202Egnp.exe\u202C \u200Bzero-width", row.LastName);
    }

    [Fact]
    public async Task OversizedPreferencesAreRefused()
    {
        var user = await factory.SignedInWithProfileAsync();
        var big = JsonSerializer.Serialize(new { preferences = new { blob = new string('x', 16 * 1024) } });
        await (await user.Client.PatchProfileAsync(big)).AssertValidationAsync("preferences");
        await (await user.Client.PutProfileAsync(big)).AssertValidationAsync("preferences");

        // Each patch is small, but the merged result would be too large.
        var half = new string('y', 9 * 1024);
        await (await user.Client.PatchProfileAsync(JsonSerializer.Serialize(new { preferences = new { a = half } }))).ReadJsonAsync();
        await (await user.Client.PatchProfileAsync(JsonSerializer.Serialize(new { preferences = new { b = half } }))).AssertValidationAsync("preferences");
        var stored = await user.Client.GetProfileAsync();
        Assert.False(stored.GetProperty("preferences").TryGetProperty("b", out _));

        // Deeper than any preferences need: refused as unreadable, never a server error.
        var deep = "{\"preferences\":" + string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100) + "}";
        await (await user.Client.PatchProfileAsync(deep)).AssertProblemAsync(HttpStatusCode.BadRequest);

        // Bodies over the server-wide limit are 413.
        var huge = JsonSerializer.Serialize(new { bio = new string('x', 2 * 1024 * 1024) });
        await (await user.Client.PatchProfileAsync(huge)).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task BodiesThatAreNotOneJsonObjectAreProblems()
    {
        var user = await factory.SignedInWithProfileAsync();
        await (await user.Client.SendJsonAsync(HttpMethod.Patch, "/api/v1/users/profile", """{"bio":"x"}""", "text/plain"))
            .AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await (await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/profile", """{"bio":"x"}""", "application/merge-patch+json"))
            .AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        foreach (var body in new[] { "{\"bio\":", "[1,2]", "null", "\"text\"", "" })
        {
            await (await user.Client.PatchProfileAsync(body)).AssertProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
        }

        // application/json is accepted for a merge patch too.
        var ok = await (await user.Client.SendJsonAsync(HttpMethod.Patch, "/api/v1/users/profile", """{"bio":"plain json"}""")).ReadJsonAsync();
        Assert.Equal("plain json", ok.GetProperty("bio").GetString());
    }

    [Fact]
    public async Task ProfileUpdatedNamesTheChangedFieldsNeverTheirValues()
    {
        var user = await factory.SignedInWithProfileAsync();
        await (await user.Client.PatchProfileAsync("""{"bio":"very-private-bio-text","preferences":{"k":"private-pref"},"fullName":"Test Person"}""")).ReadJsonAsync();

        var events = await factory.InDbAsync(db => db.OutboxMessages.Where(m => m.Subject == user.Id && m.Type == EventTypes.ProfileUpdated).ToListAsync());
        var data = JsonDocument.Parse(Assert.Single(events).Data).RootElement;
        Assert.Equal(["bio", "preferences"], data.GetProperty("fields").EnumerateArray().Select(f => f.GetString()!).ToArray());
        Assert.DoesNotContain("very-private", events[0].Data, StringComparison.Ordinal);
        Assert.DoesNotContain("private-pref", events[0].Data, StringComparison.Ordinal);

        // Setting the same values again changes nothing: no event, same updatedAt.
        var before = await user.Client.GetProfileAsync();
        factory.Time.Advance(TimeSpan.FromSeconds(5));
        var after = await (await user.Client.PatchProfileAsync("""{"bio":"very-private-bio-text","preferences":{"k":"private-pref"}}""")).ReadJsonAsync();
        Assert.Equal(before.GetProperty("updatedAt").GetDateTimeOffset(), after.GetProperty("updatedAt").GetDateTimeOffset());
        Assert.Equal(1, await factory.InDbAsync(db => db.OutboxMessages.CountAsync(m => m.Subject == user.Id && m.Type == EventTypes.ProfileUpdated)));
    }

    [Fact]
    public async Task ReadsComeFromTheCacheUntilAnUpdateInvalidatesIt()
    {
        var user = await factory.SignedInWithProfileAsync();
        Assert.Equal("Test Person", (await user.Client.GetProfileAsync()).GetProperty("fullName").GetString());

        // Changed behind the API's back: the cached copy is still served...
        await factory.InDbAsync(db => db.Profiles.Where(p => p.UserId == user.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.FullName, "Changed In Db")));
        Assert.Equal("Test Person", (await user.Client.GetProfileAsync()).GetProperty("fullName").GetString());

        // ...until an update through the API invalidates it.
        await (await user.Client.PatchProfileAsync("""{"bio":"x"}""")).ReadJsonAsync();
        Assert.Equal("Changed In Db", (await user.Client.GetProfileAsync()).GetProperty("fullName").GetString());
    }

    [Fact]
    public async Task ConcurrentMergePatchesDoNotLoseEachOthersChanges()
    {
        var user = await factory.SignedInWithProfileAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            user.Client.PatchProfileAsync($$$"""{"preferences":{"k{{{i}}}":{{{i}}}}}""")));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var preferences = (await user.Client.GetProfileAsync()).GetProperty("preferences");
        Assert.Equal(8, preferences.EnumerateObject().Count());
    }

    [Fact]
    public async Task ProfileNeedsAToken()
    {
        var client = factory.CreateClient();
        await (await client.GetAsync("/api/v1/users/profile")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await client.PatchProfileAsync("""{"bio":"x"}""")).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }
}
