using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Audit;
using Warden.Server.Events;
using Warden.Tests.Infrastructure;
using Warden.Server.Privacy;

namespace Warden.Tests.Audit;

public sealed class AuditLogTests(OutsideFactory factory) : IClassFixture<OutsideFactory>
{
    private const string Browser = "AuditTest/1.0 (X11; Linux)";

    [Fact]
    public async Task EveryStepOfAnAccountsLifeIsAuditedOnceWithWhereItCameFrom()
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.UserAgent.ParseAdd(Browser);
        var email = AuthFlows.NewEmail("audit");
        var userId = await client.RegisterAsync(email);
        var token = (await factory.Mailbox.WaitForAsync(email)).Token();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/verify-email", new { token, password = AuthFlows.Password })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostLoginAsync(email, "Wrong-Password-1!")).StatusCode);
        var first = await client.LoginAsync(email);
        var second = await client.LoginAsync(email);
        var sessions = await factory.CreateClientFor(second).GetJsonAsync("/api/v1/users/sessions");
        var other = sessions.EnumerateArray().Single(s => !s.GetProperty("current").GetBoolean()).GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await factory.CreateClientFor(second).SendAsync(HttpMethod.Delete, $"/api/v1/users/sessions/{other}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/api/v1/auth/logout", new { refreshToken = second.RefreshToken })).StatusCode);
        await factory.WaitForEventsHandledAsync();

        var page = await (await factory.AdminClientAsync()).Client.GetJsonAsync($"/api/v1/admin/audit?userId={userId}&size=100");
        var entries = page.GetProperty("items").EnumerateArray().ToList();
        var actions = entries.Select(e => e.GetProperty("action").GetString()).ToList();
        foreach (var expected in new[]
                 {
                     EventTypes.UserRegistered, EventTypes.ProfileCreated, EventTypes.UserEmailVerified, EventTypes.LoginFailed,
                     EventTypes.LoginSucceeded, EventTypes.SessionRevoked, EventTypes.UserLoggedOut,
                 })
        {
            Assert.Contains(expected, actions);
        }

        Assert.Equal(2, actions.Count(a => a == EventTypes.LoginSucceeded));
        Assert.Equal(2, actions.Count(a => a == EventTypes.SessionRevoked));
        var failed = entries.Single(e => e.GetProperty("action").GetString() == EventTypes.LoginFailed);
        Assert.Equal("failure", failed.GetProperty("outcome").GetString());
        Assert.Equal("invalid_credentials", failed.GetProperty("details").GetProperty("reason").GetString());
        Assert.All(entries.Where(e => e.GetProperty("action").GetString() != EventTypes.LoginFailed),
            e => Assert.Equal("success", e.GetProperty("outcome").GetString()));

        // Requests are stamped with where they came from; the handler-made profile.created has no request.
        foreach (var action in new[] { EventTypes.UserRegistered, EventTypes.UserEmailVerified, EventTypes.LoginFailed, EventTypes.LoginSucceeded, EventTypes.UserLoggedOut, EventTypes.SessionRevoked })
        {
            var entry = entries.First(e => e.GetProperty("action").GetString() == action);
            Assert.Equal(OutsideFactory.DefaultClientIp, entry.GetProperty("ipAddress").GetString());
            Assert.Equal(Browser, entry.GetProperty("userAgent").GetString());
            Assert.Equal(userId, entry.GetProperty("subjectId").GetGuid());
            Assert.Equal(JsonValueKind.Null, entry.GetProperty("actorId").ValueKind); // the user acted on their own account
        }

        // No secret reaches the log: not the password, not a token.
        var raw = page.GetRawText();
        foreach (var secret in new[] { AuthFlows.Password, "Wrong-Password-1!", token, first.RefreshToken, second.RefreshToken, first.AccessToken })
        {
            Assert.DoesNotContain(secret, raw, StringComparison.Ordinal);
        }

        // Exactly one entry per event about this user.
        var (events, audited) = await factory.InDbAsync(async db => (
            await db.OutboxMessages.Where(m => m.Subject == userId).Select(m => m.Id).ToListAsync(),
            await db.AuditLog.Where(e => e.SubjectId == userId).Select(e => e.EventId).ToListAsync()));
        Assert.Equal(events.Order(), audited.OfType<Guid>().Order());
    }

    [Fact]
    public async Task LockoutIsAuditedAfterTheFailuresThatCausedIt()
    {
        var client = factory.CreateClient();
        var (email, _) = await factory.SignedInUserAsync(client);
        for (var i = 0; i < 5; i++)
        {
            await client.PostLoginAsync(email, "Wrong-Password-1!");
        }

        await factory.WaitForEventsHandledAsync();
        var userId = await UserIdAsync(email);
        var page = await (await factory.AdminClientAsync()).Client.GetJsonAsync($"/api/v1/admin/audit?userId={userId}&type=user.locked");
        var locked = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.True(locked.GetProperty("details").TryGetProperty("until", out _));
        var failures = await (await factory.AdminClientAsync()).Client.GetJsonAsync($"/api/v1/admin/audit?userId={userId}&type=login.failed");
        Assert.Equal(5, failures.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task AnAdministratorsActionNamesTheAdministratorAsActor()
    {
        var client = factory.CreateClient();
        var admin = await factory.AdminClientAsync();
        var adminId = (await admin.Client.GetJsonAsync("/api/v1/users/me")).GetProperty("id").GetGuid();
        var created = await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/admin/webhooks",
            new { url = "http://127.0.0.1:9/audit-test", eventTypes = new[] { "user.deleted" } })).ReadJsonAsync(HttpStatusCode.Created);
        await factory.WaitForEventsHandledAsync();

        var page = await admin.Client.GetJsonAsync($"/api/v1/admin/audit?userId={adminId}&type=webhook.*");
        var entry = page.GetProperty("items").EnumerateArray()
            .Single(e => e.GetProperty("details").GetProperty("webhookId").GetString() == created.GetProperty("id").GetString());
        Assert.Equal("webhook.created", entry.GetProperty("action").GetString());
        Assert.Equal(adminId, entry.GetProperty("actorId").GetGuid());
        Assert.DoesNotContain(created.GetProperty("secret").GetString()!, page.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErasureRemovesPersonalDataFromTheUsersEntriesAndFromEntriesThatArriveLater()
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.UserAgent.ParseAdd(Browser);
        var (email, _) = await factory.SignedInUserAsync(client);
        var (bystanderEmail, _) = await factory.SignedInUserAsync(client);
        var userId = await UserIdAsync(email);
        var bystanderId = await UserIdAsync(bystanderEmail);
        await factory.WaitForEventsHandledAsync();

        await factory.InScopeAsync(async services =>
        {
            Assert.Equal(ErasureResult.Erased, await services.GetRequiredService<AccountErasure>().EraseAsync(userId, null, CancellationToken.None));
        });

        await factory.WaitForEventsHandledAsync();

        // An event about the user handled after the erasure (a retry, another node) is stored scrubbed too.
        var late = await factory.InDbAsync(async db =>
        {
            var message = db.AddEvent(EventTypes.LoginFailed, userId,
                new { reason = "invalid_credentials", ipAddress = "198.51.100.9", userAgent = Browser, email, attempted = new { contact = email } },
                factory.Time.GetUtcNow().AddMinutes(-5));
            await db.SaveChangesAsync();
            return message.Id;
        });
        await factory.WaitForEventsHandledAsync();

        var admin = await factory.AdminClientAsync();
        var page = await admin.Client.GetJsonAsync($"/api/v1/admin/audit?userId={userId}&size=100");
        var entries = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(entries, e => e.GetProperty("action").GetString() == EventTypes.UserRegistered);
        Assert.Contains(entries, e => e.GetProperty("id").GetGuid() != late && e.GetProperty("action").GetString() == EventTypes.UserDeleted);
        Assert.Contains(entries, e => e.GetProperty("action").GetString() == EventTypes.LoginFailed);
        Assert.All(entries, e =>
        {
            Assert.Equal(JsonValueKind.Null, e.GetProperty("ipAddress").ValueKind);
            Assert.Equal(JsonValueKind.Null, e.GetProperty("userAgent").ValueKind);
        });
        var raw = page.GetRawText();
        Assert.DoesNotContain("@", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("Test Person", raw, StringComparison.Ordinal);

        // Nobody else's entries are touched.
        var bystander = await admin.Client.GetJsonAsync($"/api/v1/admin/audit?userId={bystanderId}&type=login.succeeded");
        Assert.Equal(OutsideFactory.DefaultClientIp, bystander.GetProperty("items")[0].GetProperty("ipAddress").GetString());
    }

    [Fact]
    public async Task FiltersAndPagesNarrowTheLog()
    {
        var client = factory.CreateClient();
        var (email, _) = await factory.SignedInUserAsync(client);
        await client.LoginAsync(email);
        await client.PostLoginAsync(email, "Wrong-Password-1!");
        await factory.WaitForEventsHandledAsync();
        var userId = await UserIdAsync(email);
        var admin = await factory.AdminClientAsync();

        var logins = await admin.Client.GetJsonAsync($"/api/v1/admin/audit?userId={userId}&type=login.*");
        var actions = logins.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(3, actions.Count);
        Assert.All(actions, a => Assert.StartsWith("login.", a, StringComparison.Ordinal));

        var first = await admin.Client.GetJsonAsync($"/api/v1/admin/audit?userId={userId}&type=login.*&size=1&page=1");
        var second = await admin.Client.GetJsonAsync($"/api/v1/admin/audit?userId={userId}&type=login.*&size=1&page=2");
        Assert.Equal(3, first.GetProperty("total").GetInt32());
        Assert.Equal(1, first.GetProperty("items").GetArrayLength());
        Assert.NotEqual(first.GetProperty("items")[0].GetProperty("id").GetString(), second.GetProperty("items")[0].GetProperty("id").GetString());

        var now = factory.Time.GetUtcNow();
        var future = Uri.EscapeDataString(now.AddHours(1).ToString("O"));
        var past = Uri.EscapeDataString(now.AddHours(-1).ToString("O"));
        Assert.Equal(0, (await admin.Client.GetJsonAsync($"/api/v1/admin/audit?userId={userId}&from={future}")).GetProperty("total").GetInt32());
        Assert.Equal(0, (await admin.Client.GetJsonAsync($"/api/v1/admin/audit?userId={userId}&to={past}")).GetProperty("total").GetInt32());
        Assert.True((await admin.Client.GetJsonAsync($"/api/v1/admin/audit?userId={userId}&from={past}&to={future}")).GetProperty("total").GetInt32() >= 4);
    }

    [Theory]
    [InlineData("size=0")]
    [InlineData("size=101")]
    [InlineData("size=ten")]
    [InlineData("page=0")]
    [InlineData("page=-1")]
    [InlineData("userId=not-a-uuid")]
    [InlineData("from=yesterday")]
    [InlineData("from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z")]
    public async Task InvalidQueriesAreValidationProblems(string query)
    {
        var response = await (await factory.AdminClientAsync()).Client.GetAsync($"/api/v1/admin/audit?{query}");
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task OnlyHoldersOfAdminUsersMayReadTheLog()
    {
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/admin/audit")).StatusCode);
        var (_, tokens) = await factory.SignedInUserAsync(client);
        await (await factory.CreateClientFor(tokens).GetAsync("/api/v1/admin/audit")).AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task RetentionDeletesEntriesOlderThanTheRetentionPeriodOnly()
    {
        var now = factory.Time.GetUtcNow();
        var (old, recent) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        await factory.InDbAsync(async db =>
        {
            db.AuditLog.Add(new AuditEntry { Id = old, OccurredAt = now.AddDays(-366), Action = "test.old", Outcome = "success" });
            db.AuditLog.Add(new AuditEntry { Id = recent, OccurredAt = now.AddDays(-364), Action = "test.recent", Outcome = "success" });
            return await db.SaveChangesAsync();
        });

        Assert.True(await factory.Services.GetRequiredService<AuditRetention>().RunOnceAsync(CancellationToken.None) >= 1);

        var left = await factory.InDbAsync(db => db.AuditLog.Where(e => e.Id == old || e.Id == recent).Select(e => e.Id).ToListAsync());
        Assert.Equal([recent], left);
    }

    private Task<Guid> UserIdAsync(string email)
    {
        var normalized = email.ToUpperInvariant();
        return factory.InDbAsync(db => db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => u.Id).SingleAsync());
    }
}
