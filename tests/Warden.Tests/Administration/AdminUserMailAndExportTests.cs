using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Tests.Infrastructure;
using Warden.Tests.Passwords;

namespace Warden.Tests.Administration;

/// <summary>
/// An administrator sends a verification email or an invitation again, or takes a copy of a user's data: each only in
/// the state it is for, each under the tier guard of every action on a user, each audited with the administrator.
/// (A part of <see cref="AdminUserTests"/>, to share its server.)
/// </summary>
public sealed partial class AdminUserTests
{
    [Fact]
    public async Task AResentVerificationEmailCarriesAWorkingLinkAndTheOldOneStopsWorking()
    {
        var admin = await factory.AdminClientAsync();
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail("pending");
        var id = await client.RegisterAsync(email);
        var first = (await factory.Mailbox.WaitForAsync(email)).Token();

        var resent = await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{id}/resend-verification");

        Assert.Equal(HttpStatusCode.Accepted, resent.StatusCode);
        var mail = await factory.Mailbox.WaitForAsync(email, number: 2);
        Assert.StartsWith(WardenFactory.PublicBaseUrl + "/account/verify-email?token=", mail.Link("/account/verify-email"), StringComparison.Ordinal);
        await (await client.PostAsJsonAsync("/api/v1/auth/verify-email", new { token = first, password = AuthFlows.Password }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/verify-email", new { token = mail.Token(), password = AuthFlows.Password })).StatusCode);
        await AuditedAsync(id, EventTypes.VerificationRequested, admin.Id);

        // Verified now: nothing more to resend.
        await (await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{id}/resend-verification"))
            .AssertProblemAsync(HttpStatusCode.Conflict, "not_awaiting_verification");
    }

    [Fact]
    public async Task AResentInvitationCarriesAWorkingLinkAndTheOldOneStopsWorking()
    {
        var admin = await factory.AdminClientAsync();
        var client = factory.CreateClient();
        var email = AuthFlows.NewEmail("invited");
        var id = await InviteAsync(admin, email);
        var first = (await factory.Mailbox.WaitForAsync(email)).Token();
        await factory.WaitForProfileAsync(id); // the resent mail greets by the profile's name

        var resent = await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{id}/resend-invitation");

        Assert.Equal(HttpStatusCode.Accepted, resent.StatusCode);
        var mail = await factory.Mailbox.WaitForAsync(email, number: 2);
        Assert.StartsWith(WardenFactory.PublicBaseUrl + "/account/invitation?token=", mail.Link("/account/invitation"), StringComparison.Ordinal);
        Assert.Contains("Invited Person", mail.TextBody, StringComparison.Ordinal);
        await (await client.ResetAsync(first, "Chosen-By-Them-7712!")).AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
        Assert.Equal(HttpStatusCode.OK, (await client.ResetAsync(mail.Token(), "Chosen-By-Them-7712!")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostLoginAsync(email, "Chosen-By-Them-7712!")).StatusCode);
        await AuditedAsync(id, EventTypes.InvitationRequested, admin.Id);

        // Accepted now: nothing more to resend.
        await (await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{id}/resend-invitation"))
            .AssertProblemAsync(HttpStatusCode.Conflict, "not_awaiting_invitation");
    }

    [Fact]
    public async Task EachResendIsRefusedOutsideItsStateAndWritesNothing()
    {
        var admin = await factory.AdminClientAsync();
        var active = await factory.SignedInClientAsync();
        var pendingEmail = AuthFlows.NewEmail("pending");
        var pending = await factory.CreateClient().RegisterAsync(pendingEmail);
        var invited = await InviteAsync(admin, AuthFlows.NewEmail("invited"));
        Assert.Equal(HttpStatusCode.OK, (await admin.Client.SendAsync(HttpMethod.Put, $"/api/v1/admin/users/{invited}/status", new { status = "suspended" })).StatusCode);

        await (await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{active.Id}/resend-verification")).AssertProblemAsync(HttpStatusCode.Conflict, "not_awaiting_verification");
        await (await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{invited}/resend-verification")).AssertProblemAsync(HttpStatusCode.Conflict, "not_awaiting_verification");
        await (await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{active.Id}/resend-invitation")).AssertProblemAsync(HttpStatusCode.Conflict, "not_awaiting_invitation");
        await (await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{pending}/resend-invitation")).AssertProblemAsync(HttpStatusCode.Conflict, "not_awaiting_invitation");
        await (await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{invited}/resend-invitation")).AssertProblemAsync(HttpStatusCode.Conflict, "not_awaiting_invitation");
        foreach (var route in new[] { "resend-verification", "resend-invitation" })
        {
            await (await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{Guid.NewGuid()}/{route}")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        }

        Assert.False(await factory.InDbAsync(db => db.OutboxMessages.AnyAsync(m =>
            (m.Type == EventTypes.VerificationRequested || m.Type == EventTypes.InvitationRequested)
            && (m.Subject == active.Id || m.Subject == pending || m.Subject == invited))));
    }

    [Fact]
    public async Task AnAdministratorsExportIsTheUsersOwnDocumentAndIsAudited()
    {
        var admin = await factory.AdminClientAsync();
        var user = await factory.SignedInClientAsync();
        var own = await (await user.Client.GetAsync("/api/v1/users/me/export")).ReadJsonAsync();

        var response = await admin.Client.GetAsync($"/api/v1/admin/users/{user.Id}/export");

        var export = await response.ReadJsonAsync();
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.StartsWith("warden-export-", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Equal(Members(own), Members(export));
        Assert.Equal(user.Email, export.GetProperty("account").GetProperty("email").GetString());
        await AuditedAsync(user.Id, EventTypes.PersonalDataExported, admin.Id);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.DeleteAsync($"/api/v1/admin/users/{user.Id}")).StatusCode);
        await (await admin.Client.GetAsync($"/api/v1/admin/users/{user.Id}/export")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await admin.Client.GetAsync($"/api/v1/admin/users/{Guid.NewGuid()}/export")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task AHelpdeskAdministratorActsOnlyOnUsersWhosePermissionsTheyHold()
    {
        var admin = await factory.AdminClientAsync();
        var role = "helpdesk-" + Guid.NewGuid().ToString("N")[..8];
        await admin.CreateRoleAsync(role, "admin:users");
        var helpdesk = await factory.SignedInWithRoleAsync(admin, role);
        var person = await InviteAsync(admin, AuthFlows.NewEmail("invited"));
        var invitedAdministrator = await InviteAsync(admin, AuthFlows.NewEmail("invited-admin"), "admin");
        var user = await factory.SignedInClientAsync();

        Assert.Equal(HttpStatusCode.Accepted, (await helpdesk.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{person}/resend-invitation")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await helpdesk.Client.GetAsync($"/api/v1/admin/users/{user.Id}/export")).StatusCode);
        foreach (var (method, url) in new[]
                 {
                     (HttpMethod.Post, $"/api/v1/admin/users/{invitedAdministrator}/resend-invitation"),
                     (HttpMethod.Get, $"/api/v1/admin/users/{admin.Id}/export"),
                 })
        {
            var problem = await (await helpdesk.Client.SendAsync(method, url)).AssertProblemAsync(HttpStatusCode.Forbidden, "privilege_escalation");
            Assert.Contains("admin:system", problem.GetProperty("missingPermissions").EnumerateArray().Select(e => e.GetString()));
        }

        // Without admin:users, none of it.
        await (await user.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/users/{person}/resend-invitation")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await user.Client.GetAsync($"/api/v1/admin/users/{admin.Id}/export")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.False(await factory.InDbAsync(db => db.OutboxMessages.AnyAsync(m =>
            (m.Type == EventTypes.InvitationRequested && m.Subject == invitedAdministrator) || (m.Type == EventTypes.PersonalDataExported && m.Subject == admin.Id))));
    }

    private static async Task<Guid> InviteAsync(SignedInUser admin, string email, string role = "user") =>
        (await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/admin/users", new { email, fullName = "Invited Person", sendInvitation = true, roles = new[] { role } }))
            .ReadJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

    private static string[] Members(JsonElement export) => [.. export.EnumerateObject().Select(p => p.Name)];

    private Task AuditedAsync(Guid subject, string action, Guid actor) =>
        factory.EventuallyInDbAsync(
            db => db.AuditLog.AnyAsync(a => a.SubjectId == subject && a.Action == action && a.ActorId == actor),
            $"{action} on {subject} audited with {actor} as actor");
}
