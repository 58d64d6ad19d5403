using System.Net;
using Microsoft.EntityFrameworkCore;
using Warden.Tests.Administration;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Pages.Admin;

/// <summary>Browsers of the console without a browser: page clients signed in through the hosted sign-in page.</summary>
public static class ConsoleFlows
{
    /// <summary>The seeded administrator (every default permission), signed in through the page.</summary>
    public static async Task<HttpClient> ConsoleClientAsync(this WardenFactory factory)
    {
        var client = factory.PageClient();
        var signedIn = await client.SignInThroughPageAsync(WardenFactory.AdminEmail, WardenFactory.AdminPassword);
        Assert.True(signedIn.StatusCode == HttpStatusCode.SeeOther, await signedIn.Content.ReadAsStringAsync());
        return client;
    }

    /// <summary>
    /// A helpdesk administrator: a new user holding only a role with <c>admin:users</c> (no <c>admin:system</c>),
    /// signed in through the page.
    /// </summary>
    public static async Task<(HttpClient Client, Guid Id, string Email)> HelpdeskClientAsync(this WardenFactory factory)
    {
        var admin = await factory.AdminClientAsync();
        var role = "helpdesk-" + Guid.NewGuid().ToString("N")[..8];
        await admin.CreateRoleAsync(role, "admin:users", "read:all");
        var helpdesk = await factory.SignedInWithRoleAsync(admin, role);
        var client = factory.PageClient();
        Assert.Equal(HttpStatusCode.SeeOther, (await client.SignInThroughPageAsync(helpdesk.Email)).StatusCode);
        return (client, helpdesk.Id, helpdesk.Email);
    }

    /// <summary>A person with no admin permission, signed in through the page.</summary>
    public static async Task<(HttpClient Client, Guid Id, string Email)> PersonClientAsync(this WardenFactory factory)
    {
        var (email, _) = await factory.SignedInUserAsync();
        var id = await factory.InDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());
        var client = factory.PageClient();
        Assert.Equal(HttpStatusCode.SeeOther, (await client.SignInThroughPageAsync(email)).StatusCode);
        return (client, id, email);
    }

    /// <summary>Confirms with the password on <c>/account/reauthenticate</c>: the step-up window opens on this session.</summary>
    public static async Task ReauthenticateAsync(this HttpClient client, string password = AuthFlows.Password)
    {
        var token = await client.FormTokenAsync("/account/reauthenticate");
        var response = await client.PostFormAsync("/account/reauthenticate", token, ("password", password));
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
    }
}
