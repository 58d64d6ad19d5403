using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Authorization;
using Warden.Server.Pages.Admin;
using Warden.Tests.Infrastructure;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Pages.Admin;

/// <summary>
/// The console's shell: who gets in (signed in through the hosted pages, holding an admin permission), the navigation
/// showing only the sections one's permissions open, and the pages' headers.
/// </summary>
[SqliteOnly]
[Collection(AdminConsoleCollection.Name)]
public sealed class ConsoleShellTests(AdminConsoleServer factory)
{
    [Fact]
    public async Task SomeoneNotSignedInIsSentToTheSignInPageComingBackAfterwards()
    {
        var response = await factory.PageClient().GetAsync("/admin?x=1");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/account/login?returnUrl=" + Uri.EscapeDataString("/admin?x=1"), response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task APersonWithoutAnAdminPermissionGets403AndSeesNoConsole()
    {
        var (client, _, _) = await factory.PersonClientAsync();

        var response = await client.GetAsync("/admin");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("console-nav", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"/admin/users\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheNavigationShowsOnlyTheSectionsOnesPermissionsOpen()
    {
        var admin = await (await factory.ConsoleClientAsync()).GetStringAsync("/admin");
        var (helpdesk, _, _) = await factory.HelpdeskClientAsync();
        var helpdeskHtml = await helpdesk.GetStringAsync("/admin");

        var nav = (string html) => html[html.IndexOf("console-nav", StringComparison.Ordinal)..html.IndexOf("</nav>", StringComparison.Ordinal)];
        foreach (var section in factory.Services.GetServices<AdminSection>())
        {
            Assert.Contains($"href=\"{section.Path}\"", nav(admin), StringComparison.Ordinal);
            Assert.Equal(section.Permission == PermissionNames.AdminUsers, nav(helpdeskHtml).Contains($"href=\"{section.Path}\"", StringComparison.Ordinal));
        }

        Assert.Contains("href=\"/admin/users\"", nav(helpdeskHtml), StringComparison.Ordinal);
        Assert.Contains("aria-current=\"page\">", nav(helpdeskHtml), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConsolePagesCarryThePagesStrictHeaders()
    {
        var response = await (await factory.ConsoleClientAsync()).GetAsync("/admin");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
    }

    [Fact]
    public async Task ReauthenticationGoesBackToAConsolePage()
    {
        var client = await factory.ConsoleClientAsync();

        var html = await client.GetStringAsync("/account/reauthenticate?returnUrl=" + Uri.EscapeDataString("/admin/users?status=active"));

        Assert.Equal("/admin/users?status=active", PageForms.Hidden(html, "returnUrl"));
        Assert.Equal("/account", PageForms.Hidden(await client.GetStringAsync("/account/reauthenticate?returnUrl=%2Fadministrator"), "returnUrl"));
    }
}
