using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Authentication.TwoFactor;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Webhooks;
using Warden.Tests.Administration;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Audit;

/// <summary>
/// Every administrative change leaves an audit entry naming the administrator. The endpoints are read from the
/// route table, so an administrative endpoint added without a scenario here (and an event) fails this test.
/// </summary>
public sealed class AdminAuditCoverageTests : IDisposable
{
    private static readonly string[] AdministrativePrefixes = ["/api/v1/admin/", "/api/v1/roles", "/api/v1/permissions"];

    private readonly WardenFactory _factory = new WardenFactory()
        .With("Warden:Network:AllowPrivateTargets", "true")
        .With("Warden:Webhooks:RequireHttps", "false");

    public void Dispose() => _factory.Dispose();

    /// <summary>What an administrative call should leave in the audit log: its action, about whom, or naming which object.</summary>
    private sealed record Expected(string Action, Guid? Subject = null, Guid? Mentions = null);

    [Fact]
    public async Task EveryAdministrativeChangeIsAuditedWithTheActingAdministrator()
    {
        var root = await _factory.AdminClientAsync();
        var admin = root.Client;
        var scenarios = new Dictionary<string, Func<Task<Expected>>>(StringComparer.Ordinal)
        {
            ["POST /api/v1/roles"] = async () =>
                new(EventTypes.RoleCreated, Mentions: await root.CreateRoleAsync("auditors", "read:own")),
            ["PUT /api/v1/roles/{id:guid}"] = async () =>
            {
                var id = await root.CreateRoleAsync("editors", "read:own");
                await Ok(admin.SendAsync(HttpMethod.Put, $"/api/v1/roles/{id}", new { name = "editors", permissions = new[] { "read:own", "read:all" } }));
                return new(EventTypes.RoleUpdated, Mentions: id);
            },
            ["DELETE /api/v1/roles/{id:guid}"] = async () =>
            {
                var id = await root.CreateRoleAsync("leaving", "read:own");
                await Ok(admin.DeleteAsync($"/api/v1/roles/{id}"));
                return new(EventTypes.RoleDeleted, Mentions: id);
            },
            ["POST /api/v1/permissions"] = async () =>
                new(EventTypes.PermissionCreated, Mentions: await CreatePermissionAsync(admin, "reports:read")),
            ["DELETE /api/v1/permissions/{id:guid}"] = async () =>
            {
                var id = await CreatePermissionAsync(admin, "reports:write");
                await Ok(admin.DeleteAsync($"/api/v1/permissions/{id}"));
                return new(EventTypes.PermissionDeleted, Mentions: id);
            },
            ["POST /api/v1/admin/users"] = async () =>
            {
                var created = await (await admin.SendAsync(HttpMethod.Post, "/api/v1/admin/users", new { email = AuthFlows.NewEmail(), password = AuthFlows.Password }))
                    .ReadJsonAsync(HttpStatusCode.Created);
                return new(EventTypes.UserRegistered, created.GetProperty("id").GetGuid());
            },
            ["POST /api/v1/admin/users/import"] = async () =>
            {
                await Ok(admin.PostAsync("/api/v1/admin/users/import", Administration.Import.UserImportTests.Body([Administration.Import.UserImportTests.Line(AuthFlows.NewEmail(), null)])));
                return new(EventTypes.UsersImported);
            },
            ["PUT /api/v1/admin/users/{id:guid}/status"] = async () =>
            {
                var user = await _factory.SignedInClientAsync();
                await Ok(admin.SendAsync(HttpMethod.Put, $"/api/v1/admin/users/{user.Id}/status", new { status = "suspended" }));
                return new(EventTypes.UserStatusChanged, user.Id);
            },
            ["POST /api/v1/admin/users/{id:guid}/unlock"] = async () =>
            {
                var user = await _factory.SignedInClientAsync();
                await Ok(admin.PostAsync($"/api/v1/admin/users/{user.Id}/unlock", null));
                return new(EventTypes.UserUnlocked, user.Id);
            },
            ["DELETE /api/v1/admin/users/{id:guid}/sessions"] = async () =>
            {
                var user = await _factory.SignedInClientAsync();
                await Ok(admin.DeleteAsync($"/api/v1/admin/users/{user.Id}/sessions"));
                return new(EventTypes.SessionRevoked, user.Id);
            },
            ["DELETE /api/v1/admin/users/{id:guid}/sessions/{sessionId:guid}"] = async () =>
            {
                var user = await _factory.SignedInClientAsync();
                var session = await _factory.InDbAsync(db => db.Sessions.Where(s => s.UserId == user.Id).Select(s => s.Id).FirstAsync());
                await Ok(admin.DeleteAsync($"/api/v1/admin/users/{user.Id}/sessions/{session}"));
                return new(EventTypes.SessionRevoked, user.Id);
            },
            ["DELETE /api/v1/admin/users/{id:guid}/2fa"] = async () =>
            {
                var user = await _factory.SignedInClientAsync();
                await _factory.InDbAsync(async db =>
                {
                    await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.TwoFactorEnabled, true));
                    db.TwoFactor.Add(new UserTwoFactor { UserId = user.Id, EmailEnabled = true });
                    return await db.SaveChangesAsync();
                });
                await Ok(admin.DeleteAsync($"/api/v1/admin/users/{user.Id}/2fa"));
                return new(EventTypes.TwoFactorDisabled, user.Id);
            },
            ["DELETE /api/v1/admin/users/{id:guid}"] = async () =>
            {
                var user = await _factory.SignedInClientAsync();
                await Ok(admin.DeleteAsync($"/api/v1/admin/users/{user.Id}"));
                return new(EventTypes.UserDeleted, user.Id);
            },
            ["POST /api/v1/admin/users/{id:guid}/roles"] = async () =>
            {
                var user = await _factory.SignedInClientAsync();
                await root.AssignRoleAsync(user.Id, "moderator");
                return new(EventTypes.RoleAssigned, user.Id);
            },
            ["DELETE /api/v1/admin/users/{id:guid}/roles/{role}"] = async () =>
            {
                var user = await _factory.SignedInWithRoleAsync(root, "moderator");
                await Ok(admin.DeleteAsync($"/api/v1/admin/users/{user.Id}/roles/moderator"));
                return new(EventTypes.RoleRemoved, user.Id);
            },
            ["POST /api/v1/admin/users/{id:guid}/resend-verification"] = async () =>
            {
                var id = await _factory.CreateClient().RegisterAsync(AuthFlows.NewEmail("pending"));
                await Ok(admin.PostAsync($"/api/v1/admin/users/{id}/resend-verification", null));
                return new(EventTypes.VerificationRequested, id);
            },
            ["POST /api/v1/admin/users/{id:guid}/resend-invitation"] = async () =>
            {
                var created = await (await admin.SendAsync(HttpMethod.Post, "/api/v1/admin/users", new { email = AuthFlows.NewEmail("invited"), sendInvitation = true }))
                    .ReadJsonAsync(HttpStatusCode.Created);
                var id = created.GetProperty("id").GetGuid();
                await Ok(admin.PostAsync($"/api/v1/admin/users/{id}/resend-invitation", null));
                return new(EventTypes.InvitationRequested, id);
            },
            ["POST /api/v1/admin/webhooks"] = async () => new(EventTypes.WebhookCreated, Mentions: await CreateWebhookAsync(admin)),
            ["DELETE /api/v1/admin/webhooks/{id:guid}"] = async () =>
            {
                var id = await CreateWebhookAsync(admin);
                await Ok(admin.DeleteAsync($"/api/v1/admin/webhooks/{id}"));
                return new(EventTypes.WebhookDeleted, Mentions: id);
            },
            ["POST /api/v1/admin/webhooks/{id:guid}/test"] = async () =>
            {
                var id = await CreateWebhookAsync(admin);
                await Ok(admin.PostAsync($"/api/v1/admin/webhooks/{id}/test", null));
                return new(EventTypes.WebhookTestRequested, Mentions: id);
            },
            ["POST /api/v1/admin/webhooks/{id:guid}/deliveries/{deliveryId:guid}/redeliver"] = async () =>
            {
                var id = await CreateWebhookAsync(admin);
                var delivery = new WebhookDelivery
                {
                    SubscriptionId = id, EventId = Guid.CreateVersion7(), EventType = EventTypes.WebhookDeleted, Payload = "{}",
                    Status = WebhookDeliveryStatus.Dead, CreatedAt = _factory.Time.GetUtcNow(),
                };
                await _factory.InDbAsync(db =>
                {
                    db.WebhookDeliveries.Add(delivery);
                    return db.SaveChangesAsync();
                });
                await Ok(admin.PostAsync($"/api/v1/admin/webhooks/{id}/deliveries/{delivery.Id}/redeliver", null));
                return new(EventTypes.WebhookRedeliveryRequested, Mentions: delivery.Id);
            },
            ["POST /api/v1/admin/ip-rules"] = async () =>
                new(EventTypes.IpRuleCreated, Mentions: await CreateIpRuleAsync(admin, "198.51.100.0/24")),
            ["DELETE /api/v1/admin/ip-rules/{id:guid}"] = async () =>
            {
                var id = await CreateIpRuleAsync(admin, "198.51.101.0/24");
                await Ok(admin.DeleteAsync($"/api/v1/admin/ip-rules/{id}"));
                return new(EventTypes.IpRuleDeleted, Mentions: id);
            },
            ["DELETE /api/v1/admin/ip-rules/blocks/{id:guid}"] = async () =>
            {
                var now = _factory.Time.GetUtcNow();
                var block = new IpBlock { Network = "203.0.113.99", Reason = "credential_stuffing", BlockedAt = now, ExpiresAt = now.AddHours(1) };
                await _factory.InDbAsync(db =>
                {
                    db.IpBlocks.Add(block);
                    return db.SaveChangesAsync();
                });
                await Ok(admin.DeleteAsync($"/api/v1/admin/ip-rules/blocks/{block.Id}"));
                return new(EventTypes.IpUnblocked, Mentions: block.Id);
            },
            ["POST /api/v1/admin/clients"] = async () => new(EventTypes.OidcClientCreated, Mentions: await CreateClientAsync(admin)),
            ["POST /api/v1/admin/clients/{id:guid}/secret"] = async () =>
            {
                var id = await CreateClientAsync(admin);
                await Ok(admin.PostAsync($"/api/v1/admin/clients/{id}/secret", null));
                return new(EventTypes.OidcClientSecretRotated, Mentions: id);
            },
            ["DELETE /api/v1/admin/clients/{id:guid}"] = async () =>
            {
                var id = await CreateClientAsync(admin);
                await Ok(admin.DeleteAsync($"/api/v1/admin/clients/{id}"));
                return new(EventTypes.OidcClientDeleted, Mentions: id);
            },
            ["POST /api/v1/admin/scopes"] = async () => new(EventTypes.OidcScopeCreated, Mentions: await CreateApiScopeAsync(admin)),
            ["DELETE /api/v1/admin/scopes/{id:guid}"] = async () =>
            {
                var id = await CreateApiScopeAsync(admin);
                await Ok(admin.DeleteAsync($"/api/v1/admin/scopes/{id}"));
                return new(EventTypes.OidcScopeDeleted, Mentions: id);
            },
            ["POST /api/v1/admin/identity-providers"] = async () => new(EventTypes.IdentityProviderCreated, Mentions: await CreateIdentityProviderAsync(admin)),
            ["PATCH /api/v1/admin/identity-providers/{id:guid}"] = async () =>
            {
                var id = await CreateIdentityProviderAsync(admin);
                await Ok(admin.SendAsync(HttpMethod.Patch, $"/api/v1/admin/identity-providers/{id}", new { enabled = false }));
                return new(EventTypes.IdentityProviderUpdated, Mentions: id);
            },
            ["DELETE /api/v1/admin/identity-providers/{id:guid}"] = async () =>
            {
                var id = await CreateIdentityProviderAsync(admin);
                await Ok(admin.DeleteAsync($"/api/v1/admin/identity-providers/{id}"));
                return new(EventTypes.IdentityProviderDeleted, Mentions: id);
            },
        };

        var endpoints = _factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => AdministrativePrefixes.Any(p => e.RoutePattern.RawText!.StartsWith(p, StringComparison.Ordinal)))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {e.RoutePattern.RawText!.TrimEnd('/')}"))
            .Where(e => !e.StartsWith("GET ", StringComparison.Ordinal) && !e.StartsWith("HEAD ", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        var unaudited = endpoints.Where(e => !scenarios.ContainsKey(e)).ToList();
        Assert.True(unaudited.Count == 0, "Administrative endpoints without an audit scenario (each change must write an event): " + string.Join(", ", unaudited));
        var gone = scenarios.Keys.Where(k => !endpoints.Contains(k)).ToList();
        Assert.True(gone.Count == 0, "Scenarios for endpoints that no longer exist: " + string.Join(", ", gone) + "; routes: " + string.Join(", ", endpoints));

        var expected = new List<(string Endpoint, Expected Entry)>();
        foreach (var endpoint in endpoints)
        {
            expected.Add((endpoint, await scenarios[endpoint]()));
        }

        await _factory.WaitForEventsHandledAsync();
        var log = await _factory.InDbAsync(db => db.AuditLog.AsNoTracking().ToListAsync());
        foreach (var (endpoint, entry) in expected)
        {
            Assert.True(
                log.Any(a => a.Action == entry.Action
                    && a.ActorId == root.Id
                    && (entry.Subject is null || a.SubjectId == entry.Subject)
                    && (entry.Mentions is null || a.Details.Contains(entry.Mentions.Value.ToString(), StringComparison.Ordinal))),
                $"{endpoint}: no audit entry {entry.Action} with actor {root.Id}");
        }
    }

    [Fact]
    public async Task ExportingOnesPersonalDataIsAudited()
    {
        var user = await _factory.SignedInClientAsync();
        await Ok(user.Client.GetAsync("/api/v1/users/me/export"));
        await _factory.WaitForEventsHandledAsync();
        Assert.True(await _factory.InDbAsync(db => db.AuditLog.AnyAsync(a => a.Action == EventTypes.PersonalDataExported && a.SubjectId == user.Id)));
    }

    private static async Task Ok(Task<HttpResponseMessage> call)
    {
        var response = await call;
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<Guid> CreatePermissionAsync(HttpClient admin, string name) =>
        (await (await admin.PostAsJsonAsync("/api/v1/permissions", new { name })).ReadJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

    private static async Task<Guid> CreateWebhookAsync(HttpClient admin) =>
        (await (await admin.PostAsJsonAsync("/api/v1/admin/webhooks", new { url = "http://127.0.0.1:9/hooks", eventTypes = new[] { EventTypes.WebhookDeleted } }))
            .ReadJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

    private static async Task<Guid> CreateClientAsync(HttpClient admin) =>
        (await (await admin.PostAsJsonAsync("/api/v1/admin/clients", new { redirectUris = new[] { "https://app.example.com/callback" } }))
            .ReadJsonAsync(HttpStatusCode.Created)).GetProperty("client").GetProperty("id").GetGuid();

    private static async Task<Guid> CreateIdentityProviderAsync(HttpClient admin) =>
        (await (await admin.PostAsJsonAsync("/api/v1/admin/identity-providers", new
        {
            slug = "gh-" + Guid.NewGuid().ToString("N")[..8], displayName = "GitHub", kind = "github", clientId = "client", clientSecret = "secret",
        })).ReadJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

    private static async Task<Guid> CreateApiScopeAsync(HttpClient admin) =>
        (await (await admin.PostAsJsonAsync("/api/v1/admin/scopes", new { name = "audit-" + Guid.NewGuid().ToString("N")[..8], resources = new[] { "audit-api" } }))
            .ReadJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

    private static async Task<Guid> CreateIpRuleAsync(HttpClient admin, string network) =>
        (await (await admin.PostAsJsonAsync("/api/v1/admin/ip-rules", new { action = "deny", network, note = "audit coverage" }))
            .ReadJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
}
