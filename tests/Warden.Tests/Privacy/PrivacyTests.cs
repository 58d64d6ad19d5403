using System.Data.Common;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Users;
using Warden.Server.Webhooks;
using Warden.Tests.Infrastructure;
using Warden.Tests.Profiles;

namespace Warden.Tests.Privacy;

public sealed class PrivacyTests(ProfilesFactory factory) : IClassFixture<ProfilesFactory>
{
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");
    private static int _next = 10;

    /// <summary>A user who has left personal data in every corner Warden has: the data, and what to look for afterwards.</summary>
    private async Task<(SignedInUser User, Dictionary<string, string> Traces)> WellUsedAccountAsync()
    {
        var n = Interlocked.Increment(ref _next);
        var tag = Guid.NewGuid().ToString("N")[..10];
        var ip = $"198.51.100.{n}";
        var agent = $"PrivacyProbe/{tag} (Erasure; +https://example.com)";
        await SubscribeToEverythingAsync();
        var user = await factory.SignedInWithProfileAsync(agent, ip, username: $"u{tag}");
        var fullName = $"Zebulon Quixote {tag}";
        var phone = $"+4917{n:D2}{Random.Shared.Next(1000000, 9999999)}";
        var newEmail = AuthFlows.NewEmail($"pending{tag}");

        await (await user.Client.PatchProfileAsync(JsonSerializer.Serialize(new
        {
            fullName,
            firstName = $"Zebulon{tag}",
            lastName = $"Quixote{tag}",
            bio = $"Lives at 12 {tag} Street",
            preferences = new { nickname = $"zq{tag}" },
        }))).ReadJsonAsync();
        await (await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/phone", new { phoneNumber = phone, password = AuthFlows.Password })).ReadJsonAsync();
        var code = (await factory.Sms.WaitForAsync(phone)).Code(@"\b(\d{6})\b");
        await (await user.Client.SendJsonAsync(HttpMethod.Post, "/api/v1/users/phone/verify", new { code })).ReadJsonAsync();
        var avatar = new ByteArrayContent(Png);
        avatar.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        await (await user.Client.PostAsync("/api/v1/users/profile/avatar", avatar)).ReadJsonAsync();
        await (await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/settings", """{"theme":"dark","notifications":{"marketing":true}}""")).ReadJsonAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/email", new { newEmail, password = AuthFlows.Password })).StatusCode);
        await factory.Mailbox.WaitForAsync(newEmail);

        // A second session, and a failed sign-in (a throttle row and a login.failed event with the address).
        var other = factory.CreateClient();
        other.DefaultRequestHeaders.UserAgent.ParseAdd(agent);
        other.DefaultRequestHeaders.Add(ProfilesFactory.ClientIpHeader, ip);
        await other.LoginAsync(user.Email);
        await (await other.PostLoginAsync(user.Email, "Wrong-Pass-2024!")).AssertProblemAsync(HttpStatusCode.Unauthorized);

        return (user, new Dictionary<string, string>
        {
            ["email"] = user.Email,
            ["username"] = $"u{tag}",
            ["fullName"] = fullName,
            ["firstName"] = $"Zebulon{tag}",
            ["lastName"] = $"Quixote{tag}",
            ["bio"] = $"12 {tag} Street",
            ["preferences"] = $"zq{tag}",
            ["phone"] = phone,
            ["phoneDigits"] = phone[3..],
            ["pendingEmail"] = newEmail,
            ["ipAddress"] = ip,
            ["userAgent"] = agent,
        });
    }

    [Fact]
    public async Task ExportHoldsEverythingAboutTheUserAndNoSecret()
    {
        var (user, traces) = await WellUsedAccountAsync();
        var response = await user.Client.GetAsync("/api/v1/users/me/export");
        var export = await response.ReadJsonAsync();
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.EndsWith(".json", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());

        var account = export.GetProperty("account");
        Assert.Equal(user.Id, account.GetProperty("id").GetGuid());
        Assert.Equal(traces["email"], account.GetProperty("email").GetString());
        Assert.Equal(traces["username"], account.GetProperty("username").GetString());

        var profile = export.GetProperty("profile");
        Assert.Equal(traces["fullName"], profile.GetProperty("fullName").GetString());
        Assert.Equal(traces["phone"], profile.GetProperty("phoneNumber").GetString());
        Assert.True(profile.GetProperty("phoneVerified").GetBoolean());
        Assert.Equal(traces["preferences"], profile.GetProperty("preferences").GetProperty("nickname").GetString());
        Assert.StartsWith(WardenFactory.PublicBaseUrl + "/avatars/", profile.GetProperty("avatarUrl").GetString(), StringComparison.Ordinal);

        Assert.Equal("dark", export.GetProperty("settings").GetProperty("theme").GetString());
        Assert.Contains(export.GetProperty("roles").EnumerateArray(), r => r.GetProperty("name").GetString() == "user");
        var sessions = export.GetProperty("sessions").EnumerateArray().ToList();
        Assert.True(sessions.Count >= 2);
        Assert.All(sessions, s => Assert.Equal(traces["ipAddress"], s.GetProperty("ipAddress").GetString()));
        Assert.All(sessions, s => Assert.Equal(traces["userAgent"], s.GetProperty("userAgent").GetString()));
        Assert.Equal(traces["phone"], Assert.Single(export.GetProperty("phoneVerifications").EnumerateArray()).GetProperty("phoneNumber").GetString());
        Assert.Contains(export.GetProperty("accountTokens").EnumerateArray(), t => t.GetProperty("data").GetString() == traces["pendingEmail"] && t.GetProperty("purpose").GetString() == "email_change");
        var events = export.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Contains(EventTypes.UserRegistered, events);
        Assert.Contains(EventTypes.ProfileUpdated, events);
        Assert.Contains(EventTypes.LoginFailed, events);

        // Facts about secrets, never the secrets.
        var text = await response.Content.ReadAsStringAsync();
        var stored = await factory.InDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == user.Id));
        Assert.DoesNotContain(stored.PasswordHash!, text, StringComparison.Ordinal);
        Assert.DoesNotContain(stored.SecurityStamp!, text, StringComparison.Ordinal);
        var codeHash = await factory.InDbAsync(db => db.PhoneVerifications.Where(v => v.UserId == user.Id).Select(v => v.CodeHash).SingleAsync());
        Assert.DoesNotContain(codeHash!, text, StringComparison.Ordinal);
        Assert.DoesNotContain("hash", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ErasureLeavesNoPersonalDataInAnyTable()
    {
        var (user, traces) = await WellUsedAccountAsync();
        // This user's avatar image.
        var avatarUrl = (await user.Client.GetProfileAsync()).GetProperty("avatarUrl").GetString()!;
        var avatarKey = avatarUrl[(avatarUrl.LastIndexOf('/') + 1)..];
        Assert.True(await factory.InDbAsync(db => db.Avatars.AnyAsync(a => a.Key == avatarKey)), "the avatar should be there before erasure");

        // The scan finds what is there before (or it could not find it after), webhook deliveries included.
        await Eventually.TrueAsync(async () => (await ScanAsync(traces)).TryGetValue("email", out var where) && where.Contains("webhook_deliveries.payload"),
            "the webhook deliveries to hold the email before erasure");
        var before = await ScanAsync(traces);
        foreach (var name in new[] { "email", "username", "fullName", "firstName", "lastName", "bio", "preferences", "pendingEmail", "ipAddress", "userAgent" })
        {
            Assert.True(before.ContainsKey(name), $"the scan should find the {name} before erasure");
        }

        await (await DeleteAsync(user, null)).AssertProblemAsync(HttpStatusCode.BadRequest, "reauthentication_required");
        await (await DeleteAsync(user, "Wrong-Pass-2024!")).AssertProblemAsync(HttpStatusCode.Forbidden, "reauthentication_failed");
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/v1/users/me")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(user, AuthFlows.Password)).StatusCode);

        // Some data is erased by handlers of user.deleted (the audit log); wait until every event is handled.
        await Warden.Tests.Infrastructure.OutsideFlows.WaitForEventsHandledAsync(factory);
        var after = await ScanAsync(traces);
        Assert.True(after.Count == 0, "Personal data left after erasure:\n" + string.Join("\n", after.Select(f => $"{f.Key}: {string.Join(", ", f.Value)}")));

        var row = await factory.InDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == user.Id));
        Assert.Equal(UserStatus.Deleted, row.Status);
        Assert.True(await factory.InDbAsync(db => db.OutboxMessages.AnyAsync(m => m.Subject == user.Id && m.Type == EventTypes.UserDeleted)));
        Assert.False(await factory.InDbAsync(db => db.Sessions.AnyAsync(s => s.UserId == user.Id && s.RevokedAt == null)));
        Assert.False(await factory.InDbAsync(db => db.Avatars.AnyAsync(a => a.UserId == user.Id)), "the avatar should be gone after erasure");

        // Every session ended, this one too; the address is free again.
        await (await user.Client.GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await factory.CreateClient().PostLoginAsync(user.Email)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var again = await factory.CreateClient().RegisterAsync(user.Email);
        Assert.NotEqual(user.Id, again);
        Assert.True(await factory.InDbAsync(db => db.Users.AnyAsync(u => u.Id == again)));
    }

    [Fact]
    public async Task ExportAndErasureNeedAToken()
    {
        var client = factory.CreateClient();
        await (await client.GetAsync("/api/v1/users/me/export")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/v1/users/me") { Content = JsonContent.Create(new { password = "x" }) }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    /// <summary>
    /// A webhook for every event type, so deliveries keep copies of the events. Inserted directly: its receiver
    /// is never reached (a loopback address, refused at connect time), the kept bodies are what matters.
    /// </summary>
    private async Task SubscribeToEverythingAsync()
    {
        await factory.InScopeAsync(async services =>
        {
            var db = services.GetRequiredService<WardenDbContext>();
            if (!await db.WebhookSubscriptions.AnyAsync(s => s.Description == "privacy"))
            {
                db.WebhookSubscriptions.Add(new WebhookSubscription
                {
                    Url = "http://127.0.0.1:9/hooks",
                    EventTypes = "*",
                    ProtectedSecret = services.GetRequiredService<SecretProtector>().Protect(SecretKind.WebhookSecret, "whsec_privacy-test-secret"),
                    Description = "privacy",
                    CreatedAt = factory.Time.GetUtcNow(),
                });
                await db.SaveChangesAsync();
            }
        });
    }

    private static Task<HttpResponseMessage> DeleteAsync(SignedInUser user, string? password) =>
        user.Client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/v1/users/me") { Content = JsonContent.Create(new { password }) });

    /// <summary>The trace as written, and as a JSON string escapes it (event data and preferences are JSON: "+" is "\u002B").</summary>
    private static IEnumerable<string> Forms(string trace) => [trace, JsonSerializer.Serialize(trace)[1..^1]];

    /// <summary>Every text column of every table of the model, searched for each trace (case-insensitively).</summary>
    private async Task<Dictionary<string, List<string>>> ScanAsync(Dictionary<string, string> traces)
    {
        var found = new Dictionary<string, List<string>>();
        await factory.InDbAsync(async db =>
        {
            var connection = db.Database.GetDbConnection();
            await db.Database.OpenConnectionAsync();
            try
            {
                var columns = new SortedSet<string>(StringComparer.Ordinal);
                foreach (var entity in db.Model.GetEntityTypes().Where(e => e.GetTableName() is not null))
                {
                    var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
                    if (entity.GetContainerColumnName() is { } container)
                    {
                        columns.Add($"{table.Name}\u0001{container}"); // an owned type stored as JSON in one column
                    }

                    foreach (var property in entity.GetProperties().Where(p => (p.GetProviderClrType() ?? p.ClrType) == typeof(string)))
                    {
                        if (property.GetColumnName(table) is { } column)
                        {
                            columns.Add($"{table.Name}\u0001{column}");
                        }
                    }
                }

                Assert.True(columns.Count > 40, $"only {columns.Count} text columns found");
                foreach (var entry in columns)
                {
                    var (tableName, column) = (entry.Split('\u0001')[0], entry.Split('\u0001')[1]);
                    await using var command = connection.CreateCommand();
                    command.CommandText = $"SELECT \"{column}\" FROM \"{tableName}\"";
                    await using DbDataReader reader = await command.ExecuteReaderAsync();
                    while (await reader.ReadAsync())
                    {
                        if (reader.IsDBNull(0))
                        {
                            continue;
                        }

                        var value = reader.GetValue(0).ToString()!;
                        foreach (var (name, trace) in traces.Where(t => Forms(t.Value).Any(f => value.Contains(f, StringComparison.OrdinalIgnoreCase))))
                        {
                            (found.TryGetValue(name, out var list) ? list : found[name] = []).Add($"{tableName}.{column}");
                        }
                    }
                }
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }

            return 0;
        });
        return found;
    }
}
