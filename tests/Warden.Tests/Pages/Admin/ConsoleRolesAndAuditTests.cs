using System.Net;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Tests.Administration;
using Warden.Tests.Infrastructure;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Pages.Admin;

/// <summary>
/// The console's roles, access rules and audit log without a browser: each action through the admin API's own use case,
/// audited with the administrator as actor; the tester answering as the API's checks do; the audit log's filters, its
/// CSV export (safe in a spreadsheet) and the chain's verification.
/// </summary>
[SqliteOnly]
[Collection(AdminConsoleCollection.Name)]
public sealed class ConsoleRolesAndAuditTests(AdminConsoleServer factory)
{
    [Fact]
    public async Task ARoleIsCreatedEditedAndDeletedThroughThePagesTheDeletionAfterAStepUpShowingItsHolders()
    {
        var console = await factory.ConsoleClientAsync();
        var name = "reviewers-" + Guid.NewGuid().ToString("N")[..6];

        var token = await console.FormTokenAsync("/admin/roles/new");
        var created = await console.PostFormAsync("/admin/roles", token, ("name", name), ("description", "Read anyone"), ("permission", "read:own"));
        Assert.True(created.StatusCode == HttpStatusCode.SeeOther, await created.Content.ReadAsStringAsync());
        var id = await factory.InDbAsync(db => db.Roles.Where(r => r.Name == name).Select(r => r.Id).SingleAsync());
        Assert.Equal($"/admin/roles/{id}?done=role-created", created.Headers.Location?.OriginalString);
        Assert.Contains("The role was created.", await console.GetStringAsync(created.Headers.Location!.OriginalString), StringComparison.Ordinal);

        var invalid = await console.PostFormAsync($"/admin/roles/{id}", token, ("name", "no spaces allowed"), ("permission", "read:own"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        var edited = await console.PostFormAsync($"/admin/roles/{id}", token, ("name", name), ("permission", "read:own"), ("permission", "read:all"));
        Assert.Equal($"/admin/roles/{id}?done=role-updated", edited.Headers.Location?.OriginalString);
        Assert.Equal(["read:all", "read:own"], await factory.InDbAsync(db =>
            db.Roles.Where(r => r.Id == id).SelectMany(r => r.Permissions.Select(p => p.Permission!.Name)).OrderBy(n => n).ToListAsync()));

        var holder = await factory.SignedInWithRoleAsync(await factory.AdminClientAsync(), name);
        var unconfirmed = await console.PostFormAsync($"/admin/roles/{id}/delete", token);
        Assert.Equal("/account/reauthenticate?returnUrl=" + Uri.EscapeDataString($"/admin/roles/{id}/delete"), unconfirmed.Headers.Location?.OriginalString);

        await console.ReauthenticateAsync(WardenFactory.AdminPassword);
        // A post that carries nothing but the form's token (the delete button of a page without the confirmation) is
        // answered with the confirmation, not a failure.
        var unconfirmedAfterStepUp = await console.PostFormAsync($"/admin/roles/{id}/delete", token);
        Assert.Equal(HttpStatusCode.OK, unconfirmedAfterStepUp.StatusCode);
        Assert.Contains("name=\"confirm\" value=\"yes\"", await unconfirmedAfterStepUp.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var confirmation = await console.GetStringAsync($"/admin/roles/{id}/delete");
        Assert.Contains($"is held by 1 user(s), among them {holder.Email}", confirmation, StringComparison.Ordinal);
        Assert.Contains("name=\"confirm\" value=\"yes\"", confirmation, StringComparison.Ordinal);
        var refused = await console.PostFormAsync($"/admin/roles/{id}/delete", token, ("confirm", "yes"));
        Assert.Equal($"/admin/roles/{id}?problem=role_in_use", refused.Headers.Location?.OriginalString);

        await factory.InDbAsync(async db => await db.UserRoles.Where(ur => ur.RoleId == id).ExecuteDeleteAsync());
        Assert.Contains("Nobody holds it.", await console.GetStringAsync($"/admin/roles/{id}/delete"), StringComparison.Ordinal);
        var deleted = await console.PostFormAsync($"/admin/roles/{id}/delete", token, ("confirm", "yes"));
        Assert.Equal("/admin/roles?done=role-deleted", deleted.Headers.Location?.OriginalString);
        Assert.False(await factory.InDbAsync(db => db.Roles.AnyAsync(r => r.Id == id)));

        var root = await factory.InDbAsync(db => db.Users.Where(u => u.Email == WardenFactory.AdminEmail).Select(u => u.Id).SingleAsync());
        foreach (var action in new[] { EventTypes.RoleCreated, EventTypes.RoleUpdated, EventTypes.RoleDeleted })
        {
            await factory.EventuallyInDbAsync(
                async db => await db.AuditLog.AnyAsync(e => e.Action == action && e.ActorId == root && e.Details.Contains(id.ToString())),
                $"{action} is audited with the administrator as actor");
        }
    }

    [Fact]
    public async Task AHelpdeskAdministratorReadsRolesButChangesNoneAndSeesNoAccessRules()
    {
        var (helpdesk, _, _) = await factory.HelpdeskClientAsync();

        var roles = await helpdesk.GetAsync("/admin/roles");
        Assert.Equal(HttpStatusCode.OK, roles.StatusCode);
        var html = await roles.Content.ReadAsStringAsync();
        Assert.DoesNotContain("href=\"/admin/roles/new\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"/admin/access\"", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await helpdesk.GetAsync("/admin/access")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await helpdesk.GetAsync("/admin/audit/verify")).StatusCode);
        var token = await helpdesk.FormTokenAsync("/admin/roles");
        var name = "sneaky-" + Guid.NewGuid().ToString("N")[..6];
        Assert.Equal(HttpStatusCode.Forbidden, (await helpdesk.PostFormAsync("/admin/roles", token, ("name", name), ("permission", "admin:system"))).StatusCode);
        Assert.False(await factory.InDbAsync(db => db.Roles.AnyAsync(r => r.Name == name)));
    }

    [Fact]
    public async Task TheAccessTesterAnswersAsTheApisChecks()
    {
        var console = await factory.ConsoleClientAsync();
        var reader = await factory.SignedInClientAsync();
        var other = await factory.SignedInClientAsync();

        async Task<string> Ask(Guid owner) => await console.GetStringAsync(
            $"/admin/access?subject={Uri.EscapeDataString(reader.Email)}&action=read&resource=profile&owner={owner}&amr=pwd");

        Assert.Contains("Allowed</strong>", await Ask(reader.Id), StringComparison.Ordinal);
        Assert.Contains("by the rule readOwn", await Ask(reader.Id), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await reader.Client.GetAsync($"/api/v1/users/{reader.Id}/profile")).StatusCode);
        Assert.Contains("Denied</strong>", await Ask(other.Id), StringComparison.Ordinal);
        Assert.Contains("no rule allows it", await Ask(other.Id), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await reader.Client.GetAsync($"/api/v1/users/{other.Id}/profile")).StatusCode);

        var rules = await console.GetStringAsync("/admin/access");
        Assert.Contains("activeSubjectsOnly", rules, StringComparison.Ordinal);
        Assert.Contains("subject.status notIn [active]", rules, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await console.GetAsync("/admin/access?action=read&ip=not-an-address")).StatusCode);
    }

    [Fact]
    public async Task TheAuditLogFiltersExportsSafeCsvAndVerifiesTheChain()
    {
        var console = await factory.ConsoleClientAsync();
        var person = await factory.SignedInClientAsync();
        var attacker = factory.CreateClient();
        attacker.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", "=HYPERLINK(\"http://evil.example\")");
        Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.PostLoginAsync(person.Email, "wrong-password-1")).StatusCode);
        await factory.EventuallyInDbAsync(db => db.AuditLog.AnyAsync(e => e.SubjectId == person.Id && e.Action == EventTypes.LoginFailed), "the failure is audited");

        var filtered = await console.GetStringAsync($"/admin/audit?subject={Uri.EscapeDataString(person.Email)}&type=login.*");
        Assert.Contains(EventTypes.LoginFailed, filtered, StringComparison.Ordinal);
        Assert.DoesNotContain(EventTypes.UserRegistered, filtered, StringComparison.Ordinal);
        Assert.Contains("No entry matches", await console.GetStringAsync($"/admin/audit?subject={Uri.EscapeDataString(person.Email)}&type=role.*"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await console.GetAsync("/admin/audit?from=yesterday")).StatusCode);

        var entry = await factory.InDbAsync(db => db.AuditLog.Where(e => e.SubjectId == person.Id && e.Action == EventTypes.LoginFailed).Select(e => e.Id).FirstAsync());
        Assert.Contains(person.Email, await console.GetStringAsync($"/admin/audit/{entry}"), StringComparison.Ordinal);

        var export = await console.GetAsync($"/admin/audit/export.csv?subject={Uri.EscapeDataString(person.Email)}&type={EventTypes.LoginFailed}");
        Assert.Equal("text/csv", export.Content.Headers.ContentType?.MediaType);
        var csv = await export.Content.ReadAsStringAsync();
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("\"occurredAt\",\"action\"", lines[0], StringComparison.Ordinal);
        Assert.All(lines.Skip(1), line => Assert.Contains($"\"{EventTypes.LoginFailed}\"", line, StringComparison.Ordinal));
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\"", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("\"=HYPERLINK", csv, StringComparison.Ordinal);

        var verified = await console.GetStringAsync("/admin/audit/verify");
        Assert.Contains("The chain is intact", verified, StringComparison.Ordinal);
    }
}
