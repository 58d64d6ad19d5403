using System.Net;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Login;
using Warden.Server.Users;
using Warden.Tests.Infrastructure;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Pages.Admin;

/// <summary>
/// The console's users without a browser: find, act, confirm, step up — each action through the admin API's use case,
/// so its guards hold and its audit entry names the administrator.
/// </summary>
[SqliteOnly]
[Collection(AdminConsoleCollection.Name)]
public sealed class ConsoleUserTests(AdminConsoleServer factory)
{
    [Fact]
    public async Task AnAdministratorFindsAUserByPartOfTheEmailSuspendsThemAndTheirBrowserSessionEnds()
    {
        var (person, personId, email) = await factory.PersonClientAsync();
        var console = await factory.ConsoleClientAsync();
        await console.ReauthenticateAsync(WardenFactory.AdminPassword);

        var found = await console.GetStringAsync("/admin/users?search=" + Uri.EscapeDataString(email[5..20]));
        Assert.Contains($"href=\"/admin/users/{personId}\"", found, StringComparison.Ordinal);
        Assert.Contains("1 users match", found, StringComparison.Ordinal);

        var token = await console.FormTokenAsync($"/admin/users/{personId}");
        var asked = await console.PostFormAsync($"/admin/users/{personId}", token, ("operation", "suspend"));
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        Assert.Contains("name=\"confirm\" value=\"yes\"", await asked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(UserStatus.Active, await StatusAsync(personId));

        var done = await console.PostFormAsync($"/admin/users/{personId}", token, ("operation", "suspend"), ("confirm", "yes"));

        Assert.Equal(HttpStatusCode.SeeOther, done.StatusCode);
        Assert.Equal($"/admin/users/{personId}?done=suspend", done.Headers.Location?.OriginalString);
        Assert.Contains("The account is suspended", await console.GetStringAsync(done.Headers.Location!.OriginalString), StringComparison.Ordinal);
        Assert.Equal(UserStatus.Suspended, await StatusAsync(personId));
        Assert.Equal(HttpStatusCode.SeeOther, (await person.GetAsync("/account")).StatusCode);
        await AuditedByAdministratorAsync(personId, "user.status_changed");
    }

    [Fact]
    public async Task ADestructiveActionWithoutARecentReauthenticationAsksForOneAndChangesNothing()
    {
        var (_, personId, _) = await factory.PersonClientAsync();
        var console = await factory.ConsoleClientAsync();
        var token = await console.FormTokenAsync($"/admin/users/{personId}");

        var response = await console.PostFormAsync($"/admin/users/{personId}", token, ("operation", "signout"), ("confirm", "yes"));

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/account/reauthenticate?returnUrl=" + Uri.EscapeDataString($"/admin/users/{personId}/confirm?operation=signout"),
            response.Headers.Location?.OriginalString);
        Assert.True(await factory.InDbAsync(db => db.Sessions.AnyAsync(s => s.UserId == personId && s.RevokedAt == null)));
    }

    [Fact]
    public async Task AnAdministratorUnlocksALockedAccountAndAddsARole()
    {
        var (_, personId, _) = await factory.PersonClientAsync();
        var key = await factory.InDbAsync(async db =>
        {
            var user = await db.Users.SingleAsync(u => u.Id == personId);
            var identifier = LoginThrottle.KeysOf(user)[0];
            db.LoginAttempts.Add(new LoginAttempt { Identifier = identifier, Failures = 5, LastAttemptAt = DateTimeOffset.UtcNow, LockedUntil = DateTimeOffset.UtcNow.AddMinutes(15) });
            await db.SaveChangesAsync();
            return identifier;
        });
        var console = await factory.ConsoleClientAsync();
        var page = await console.GetStringAsync($"/admin/users/{personId}");
        Assert.Contains("sign-in locked until", page, StringComparison.Ordinal);
        var token = await console.FormTokenAsync($"/admin/users/{personId}");

        var unlocked = await console.PostFormAsync($"/admin/users/{personId}", token, ("operation", "unlock"));
        var added = await console.PostFormAsync($"/admin/users/{personId}", token, ("operation", "add-role"), ("role", "moderator"));

        Assert.Equal($"/admin/users/{personId}?done=unlock", unlocked.Headers.Location?.OriginalString);
        Assert.False(await factory.InDbAsync(db => db.LoginAttempts.AnyAsync(a => a.Identifier == key && a.LockedUntil != null)));
        Assert.Equal($"/admin/users/{personId}?done=add-role", added.Headers.Location?.OriginalString);
        Assert.True(await factory.InDbAsync(db => db.UserRoles.AnyAsync(ur => ur.UserId == personId && ur.Role!.Name == "moderator")));
        await AuditedByAdministratorAsync(personId, "user.unlocked");
        await AuditedByAdministratorAsync(personId, "role.assigned");
    }

    [Fact]
    public async Task AHelpdeskAdministratorIsHeldToTheApisGuards()
    {
        var (helpdesk, helpdeskId, _) = await factory.HelpdeskClientAsync();
        var (_, personId, _) = await factory.PersonClientAsync();
        var token = await helpdesk.FormTokenAsync($"/admin/users/{personId}");

        var escalation = await helpdesk.PostFormAsync($"/admin/users/{personId}", token, ("operation", "add-role"), ("role", "admin"));
        var self = await helpdesk.PostFormAsync($"/admin/users/{helpdeskId}", token, ("operation", "add-role"), ("role", "moderator"));

        Assert.Equal($"/admin/users/{personId}?problem=privilege_escalation", escalation.Headers.Location?.OriginalString);
        Assert.Contains("permissions you do not hold", await helpdesk.GetStringAsync(escalation.Headers.Location!.OriginalString), StringComparison.Ordinal);
        Assert.Equal($"/admin/users/{helpdeskId}?problem=cannot_change_self", self.Headers.Location?.OriginalString);
        Assert.False(await factory.InDbAsync(db => db.UserRoles.AnyAsync(ur => ur.UserId == personId && ur.Role!.Name == "admin")));
    }

    [Fact]
    public async Task ABulkActionOverAFilteredSetActsOnEveryMatchAfterOneConfirmation()
    {
        var tag = "bulk" + Guid.NewGuid().ToString("N")[..10];
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var email = $"{tag}.{i}@example.com";
            ids.Add(await factory.CreateClient().RegisterAsync(email));
            await factory.ActivateAsync(email);
        }

        var console = await factory.ConsoleClientAsync();
        await console.ReauthenticateAsync(WardenFactory.AdminPassword);
        var token = await console.FormTokenAsync("/admin/users?search=" + tag);

        var asked = await console.PostFormAsync("/admin/users/bulk", token, ("search", tag), ("scope", "filtered"), ("operation", "suspend"));
        var confirmation = await asked.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        Assert.Contains("Suspend 3 users?", confirmation, StringComparison.Ordinal);
        Assert.All(ids, id => Assert.Contains($"name=\"ids\" value=\"{id}\"", confirmation, StringComparison.Ordinal));

        var done = await console.PostFormAsync("/admin/users/bulk", token,
            [("search", tag), ("operation", "suspend"), ("confirm", "yes"), .. ids.Select(id => ("ids", id.ToString()))]);

        Assert.Equal(HttpStatusCode.SeeOther, done.StatusCode);
        Assert.Contains("Suspended 3 users; 0 refused.", await console.GetStringAsync(done.Headers.Location!.OriginalString), StringComparison.Ordinal);
        Assert.Equal(3, await factory.InDbAsync(db => db.Users.CountAsync(u => ids.Contains(u.Id) && u.Status == UserStatus.Suspended)));
        foreach (var id in ids)
        {
            await AuditedByAdministratorAsync(id, "user.status_changed");
        }
    }

    [Fact]
    public async Task ErasingAUserNeedsTheirEmailTypedAgain()
    {
        var (_, personId, email) = await factory.PersonClientAsync();
        var console = await factory.ConsoleClientAsync();
        await console.ReauthenticateAsync(WardenFactory.AdminPassword);
        var token = await console.FormTokenAsync($"/admin/users/{personId}/confirm?operation=erase");

        var wrong = await console.PostFormAsync($"/admin/users/{personId}", token, ("operation", "erase"), ("confirm", "yes"), ("typed", "someone@else.example"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrong.StatusCode);
        Assert.Equal(UserStatus.Active, await StatusAsync(personId));

        var erased = await console.PostFormAsync($"/admin/users/{personId}", token, ("operation", "erase"), ("confirm", "yes"), ("typed", email.ToUpperInvariant()));

        Assert.Equal("/admin/users?done=erased", erased.Headers.Location?.OriginalString);
        Assert.Equal(UserStatus.Deleted, await StatusAsync(personId));
        Assert.Equal(HttpStatusCode.NotFound, (await console.GetAsync($"/admin/users/{personId}")).StatusCode);
    }

    [Fact]
    public async Task AnAdministratorCreatesAUserAndInvitesAnother()
    {
        var console = await factory.ConsoleClientAsync();
        var token = await console.FormTokenAsync("/admin/users/new");
        var invited = AuthFlows.NewEmail("invited");
        var created = AuthFlows.NewEmail("created");

        var refused = await console.PostFormAsync("/admin/users/new", token, ("email", "not-an-address"), ("invite", "true"), ("roles", "user"));
        var invite = await console.PostFormAsync("/admin/users/new", token, ("email", invited), ("invite", "true"), ("roles", "user"));
        var create = await console.PostFormAsync("/admin/users/new", token, ("email", created), ("password", "Chosen-For-Them-8842!"), ("roles", "moderator"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("A valid email address is required.", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.EndsWith("?done=invited", invite.Headers.Location?.OriginalString, StringComparison.Ordinal);
        Assert.EndsWith("?done=created", create.Headers.Location?.OriginalString, StringComparison.Ordinal);
        var createdId = await factory.InDbAsync(db => db.Users.Where(u => u.Email == created).Select(u => u.Id).SingleAsync());
        Assert.True(await factory.InDbAsync(db => db.UserRoles.AnyAsync(ur => ur.UserId == createdId && ur.Role!.Name == "moderator")));
        await AuditedByAdministratorAsync(createdId, "user.registered");
    }

    [Fact]
    public async Task APendingUsersPageResendsTheVerificationEmailAndAnInvitedUsersTheInvitation()
    {
        var pendingEmail = AuthFlows.NewEmail("pending");
        var pending = await factory.CreateClient().RegisterAsync(pendingEmail);
        await factory.Mailbox.WaitForAsync(pendingEmail);
        var invitedEmail = AuthFlows.NewEmail("invited");
        var console = await factory.ConsoleClientAsync();
        var token = await console.FormTokenAsync("/admin/users/new");
        Assert.Equal(HttpStatusCode.SeeOther, (await console.PostFormAsync("/admin/users/new", token, ("email", invitedEmail), ("invite", "true"), ("roles", "user"))).StatusCode);
        await factory.Mailbox.WaitForAsync(invitedEmail);
        var invited = await factory.InDbAsync(db => db.Users.Where(u => u.Email == invitedEmail).Select(u => u.Id).SingleAsync());

        var pendingPage = await console.GetStringAsync($"/admin/users/{pending}");
        var invitedPage = await console.GetStringAsync($"/admin/users/{invited}");
        Assert.Contains("Resend verification email", pendingPage, StringComparison.Ordinal);
        Assert.DoesNotContain("Resend invitation", pendingPage, StringComparison.Ordinal);
        Assert.Contains("Resend invitation", invitedPage, StringComparison.Ordinal);
        Assert.DoesNotContain("Resend verification email", invitedPage, StringComparison.Ordinal);

        var verification = await console.PostFormAsync($"/admin/users/{pending}", token, ("operation", "resend-verification"));
        var invitation = await console.PostFormAsync($"/admin/users/{invited}", token, ("operation", "resend-invitation"));
        var wrongState = await console.PostFormAsync($"/admin/users/{pending}", token, ("operation", "resend-invitation"));

        Assert.Equal($"/admin/users/{pending}?done=resend-verification", verification.Headers.Location?.OriginalString);
        Assert.Contains("A new verification email is on its way", await console.GetStringAsync(verification.Headers.Location!.OriginalString), StringComparison.Ordinal);
        Assert.Contains("/account/verify-email?token=", (await factory.Mailbox.WaitForAsync(pendingEmail, number: 2)).TextBody, StringComparison.Ordinal);
        Assert.Equal($"/admin/users/{invited}?done=resend-invitation", invitation.Headers.Location?.OriginalString);
        Assert.Contains("/account/invitation?token=", (await factory.Mailbox.WaitForAsync(invitedEmail, number: 2)).TextBody, StringComparison.Ordinal);
        Assert.Equal($"/admin/users/{pending}?problem=not_awaiting_invitation", wrongState.Headers.Location?.OriginalString);
        Assert.Contains("not waiting for an invitation", await console.GetStringAsync(wrongState.Headers.Location!.OriginalString), StringComparison.Ordinal);
        await AuditedByAdministratorAsync(pending, "user.verification_requested");
        await AuditedByAdministratorAsync(invited, "user.invitation_requested");
    }

    [Fact]
    public async Task AnAdministratorDownloadsAUsersDataFromTheirPage()
    {
        var (_, personId, email) = await factory.PersonClientAsync();
        var (helpdesk, _, _) = await factory.HelpdeskClientAsync();
        var console = await factory.ConsoleClientAsync();
        Assert.Contains("Export data", await console.GetStringAsync($"/admin/users/{personId}"), StringComparison.Ordinal);
        var token = await console.FormTokenAsync($"/admin/users/{personId}");

        var download = await console.PostFormAsync($"/admin/users/{personId}", token, ("operation", "export"));
        var helpdeskToken = await helpdesk.FormTokenAsync($"/admin/users/{personId}");
        var root = await RootIdAsync();
        var refused = await helpdesk.PostFormAsync($"/admin/users/{root}", helpdeskToken, ("operation", "export"));

        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/json", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        using var export = System.Text.Json.JsonDocument.Parse(await download.Content.ReadAsStringAsync());
        Assert.Equal(email, export.RootElement.GetProperty("account").GetProperty("email").GetString());
        await AuditedByAdministratorAsync(personId, "user.data_exported");
        Assert.Equal($"/admin/users/{root}?problem=privilege_escalation", refused.Headers.Location?.OriginalString);
    }

    private Task<UserStatus> StatusAsync(Guid id) => factory.InDbAsync(db => db.Users.Where(u => u.Id == id).Select(u => u.Status).SingleAsync());

    private Task<Guid> RootIdAsync() => factory.InDbAsync(db => db.Users.Where(u => u.Email == WardenFactory.AdminEmail).Select(u => u.Id).SingleAsync());

    private async Task AuditedByAdministratorAsync(Guid subject, string action)
    {
        var root = await RootIdAsync();
        await Eventually.TrueAsync(
            () => factory.InDbAsync(db => db.AuditLog.AnyAsync(e => e.SubjectId == subject && e.Action == action && e.ActorId == root)),
            $"{action} on {subject} is audited with the administrator as actor");
    }
}
