using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Authentication.Tokens;
using Warden.Server.Events;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Administration;

public sealed partial class AdminUserTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private static string[] Roles(JsonElement account) => [.. account.GetProperty("roles").EnumerateArray().Select(e => e.GetString()!)];

    [Fact]
    public async Task SuspensionEndsEverySessionAtOnce()
    {
        var admin = await factory.AdminClientAsync();
        var user = await factory.SignedInClientAsync();
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/v1/users/me")).StatusCode);

        var body = await (await admin.Client.SendAsync(HttpMethod.Put, $"/api/v1/admin/users/{user.Id}/status", new { status = "suspended" })).ReadJsonAsync();
        Assert.Equal("suspended", body.GetProperty("status").GetString());
        Assert.Equal(1, body.GetProperty("revokedSessions").GetInt32());

        // The very next request with the same access token fails, and so does the refresh token.
        await (await user.Client.GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
        await (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = user.RefreshToken })).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await client.PostLoginAsync(user.Email)).AssertProblemAsync(HttpStatusCode.Forbidden, "account_suspended");

        await factory.InDbAsync(async db =>
        {
            var changed = await db.OutboxMessages.SingleAsync(m => m.Type == EventTypes.UserStatusChanged && m.Subject == user.Id);
            var data = JsonDocument.Parse(changed.Data).RootElement;
            Assert.Equal("suspended", data.GetProperty("to").GetString());
            Assert.Equal(admin.Id, data.GetProperty("actorId").GetGuid());
        });

        await (await admin.Client.SendAsync(HttpMethod.Put, $"/api/v1/admin/users/{user.Id}/status", new { status = "active" })).ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.PostLoginAsync(user.Email)).StatusCode);
    }

    [Theory]
    [InlineData("deleted")]
    [InlineData("pending_verification")]
    [InlineData("SUSPENDED")]
    [InlineData("")]
    public async Task StatusAcceptsOnlyActiveOrSuspended(string status)
    {
        var admin = await factory.AdminClientAsync();
        var user = await factory.SignedInClientAsync();
        await (await admin.Client.SendAsync(HttpMethod.Put, $"/api/v1/admin/users/{user.Id}/status", new { status }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task ForcedLogoutEndsEverySession()
    {
        var admin = await factory.AdminClientAsync();
        var user = await factory.SignedInClientAsync();
        var second = await factory.CreateClient().LoginAsync(user.Email);
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.SendAsync(HttpMethod.Delete, $"/api/v1/admin/users/{user.Id}/sessions")).StatusCode);
        await (await user.Client.GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await factory.CreateClientFor(second).GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await client.PostLoginAsync(user.Email)).StatusCode); // not suspended: may sign in again
    }

    [Fact]
    public async Task UnlockClearsTheLockoutOfTheUsersIdentifiers()
    {
        var admin = await factory.AdminClientAsync();
        var user = await factory.SignedInClientAsync();
        var client = factory.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            await client.PostLoginAsync(user.Email, "Wrong-Password-1!");
        }

        await (await client.PostLoginAsync(user.Email)).AssertProblemAsync((HttpStatusCode)423, "account_locked");
        var details = await (await admin.Client.GetAsync($"/api/v1/admin/users/{user.Id}")).ReadJsonAsync();
        Assert.True(details.GetProperty("lockout").GetProperty("locked").GetBoolean());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{user.Id}/unlock")).StatusCode);
        details = await (await admin.Client.GetAsync($"/api/v1/admin/users/{user.Id}")).ReadJsonAsync();
        Assert.False(details.GetProperty("lockout").GetProperty("locked").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await client.PostLoginAsync(user.Email)).StatusCode);
    }

    [Fact]
    public async Task DetailsShowAccountRolesSessionsAndTwoFactor()
    {
        var admin = await factory.AdminClientAsync();
        var user = await factory.SignedInClientAsync();
        var details = await (await admin.Client.GetAsync($"/api/v1/admin/users/{user.Id}")).ReadJsonAsync();
        Assert.Equal(user.Email, details.GetProperty("account").GetProperty("email").GetString());
        Assert.Equal(["user"], Roles(details.GetProperty("account")));
        Assert.Equal("user", details.GetProperty("roleAssignments")[0].GetProperty("role").GetString());
        Assert.Single(details.GetProperty("sessions").EnumerateArray());
        Assert.Empty(details.GetProperty("twoFactor").EnumerateArray());
        Assert.False(details.GetProperty("lockout").GetProperty("locked").GetBoolean());
    }

    [Fact]
    public async Task UnknownUsersAnswer404()
    {
        var admin = await factory.AdminClientAsync();
        var client = factory.CreateClient();
        var id = Guid.NewGuid();
        await (await admin.Client.GetAsync($"/api/v1/admin/users/{id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await admin.Client.SendAsync(HttpMethod.Put, $"/api/v1/admin/users/{id}/status", new { status = "suspended" })).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{id}/unlock")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.Client.SendAsync(HttpMethod.Delete, $"/api/v1/admin/users/{id}/sessions")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.Client.SendAsync(HttpMethod.Delete, $"/api/v1/admin/users/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{id}/roles", new { role = "user" })).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ErasureRemovesTheUserAndEndsTheirSessions()
    {
        var admin = await factory.AdminClientAsync();
        var user = await factory.SignedInClientAsync();
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.SendAsync(HttpMethod.Delete, $"/api/v1/admin/users/{user.Id}")).StatusCode);
        await (await user.Client.GetAsync("/api/v1/users/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await admin.Client.GetAsync($"/api/v1/admin/users/{user.Id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.PostLoginAsync(user.Email)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var listed = await admin.ListUsersAsync("search=" + Uri.EscapeDataString(user.Email));
        Assert.Equal(0, listed.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task RoleAssignmentIsRecordedAndRemovable()
    {
        var admin = await factory.AdminClientAsync();
        var user = await factory.SignedInClientAsync();
        var client = factory.CreateClient();
        var assigned = await (await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{user.Id}/roles", new { role = "moderator" })).ReadJsonAsync();
        Assert.Equal(["moderator", "user"], Roles(assigned));
        Assert.Contains("read:all", assigned.GetProperty("permissions").EnumerateArray().Select(e => e.GetString()));

        var details = await (await admin.Client.GetAsync($"/api/v1/admin/users/{user.Id}")).ReadJsonAsync();
        var assignment = details.GetProperty("roleAssignments").EnumerateArray().Single(a => a.GetProperty("role").GetString() == "moderator");
        Assert.Equal(admin.Id, assignment.GetProperty("assignedBy").GetGuid());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.SendAsync(HttpMethod.Delete, $"/api/v1/admin/users/{user.Id}/roles/moderator")).StatusCode);
        await (await admin.Client.SendAsync(HttpMethod.Delete, $"/api/v1/admin/users/{user.Id}/roles/moderator")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{user.Id}/roles", new { role = "no-such-role" })).AssertProblemAsync(HttpStatusCode.BadRequest);

        await factory.InDbAsync(async db =>
        {
            Assert.Equal(1, await db.OutboxMessages.CountAsync(m => m.Type == EventTypes.RoleAssigned && m.Subject == user.Id));
            Assert.Equal(1, await db.OutboxMessages.CountAsync(m => m.Type == EventTypes.RoleRemoved && m.Subject == user.Id));
        });
    }

    [Fact]
    public async Task CreatedUserWithAPasswordCanSignIn()
    {
        var admin = await factory.AdminClientAsync();
        var email = AuthFlows.NewEmail("created");
        var created = await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/admin/users", new { email, password = AuthFlows.Password, fullName = "Made By Admin" })).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal("active", created.GetProperty("status").GetString());
        Assert.Equal(["user"], Roles(created));
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().PostLoginAsync(email)).StatusCode);
    }

    [Fact]
    public async Task CreatedUserWithAnInvitationGetsASetPasswordLink()
    {
        var admin = await factory.AdminClientAsync();
        var email = AuthFlows.NewEmail("invited");
        var created = await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/admin/users", new { email, fullName = "Invited Person", sendInvitation = true })).ReadJsonAsync(HttpStatusCode.Created);
        var userId = created.GetProperty("id").GetGuid();

        var mail = await factory.Mailbox.WaitForAsync(email);
        Assert.Contains("Invited Person", mail.TextBody, StringComparison.Ordinal);
        var link = mail.Link("/account/invitation");
        Assert.StartsWith(WardenFactory.PublicBaseUrl + "/account/invitation?token=", link, StringComparison.Ordinal);
        var token = mail.Token();

        // The token is an invitation token of this user, stored hashed, and appears in no event.
        await factory.InDbAsync(async db =>
        {
            var stored = await db.AccountTokens.SingleAsync(t => t.UserId == userId);
            Assert.Equal(AccountTokenPurpose.Invitation, stored.Purpose);
            Assert.Equal(OpaqueToken.Hash(token), stored.TokenHash);
            Assert.False(await db.OutboxMessages.AnyAsync(m => m.Data.Contains(token)));

            // No password yet: nobody signs in with anything.
            await (await factory.CreateClient().PostLoginAsync(email, AuthFlows.Password)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        });
    }

    [Fact]
    public async Task CreationNeedsAPasswordOrAnInvitationAndAFreeAddress()
    {
        var admin = await factory.AdminClientAsync();
        var client = factory.CreateClient();
        await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/admin/users", new { email = AuthFlows.NewEmail() }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/admin/users", new { email = AuthFlows.NewEmail(), password = "short" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "password_policy");
        await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/admin/users", new { email = WardenFactory.AdminEmail.ToUpperInvariant(), password = AuthFlows.Password }))
            .AssertProblemAsync(HttpStatusCode.Conflict, "email_taken");
        await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/admin/users", new { email = AuthFlows.NewEmail(), password = AuthFlows.Password, roles = new[] { "ghost" } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }
}
