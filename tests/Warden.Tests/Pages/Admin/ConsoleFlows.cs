using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Warden.Server.Authentication.Login;
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
        var helpdesk = await factory.HelpdeskAsync();
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

    /// <summary>A helpdesk administrator (a new user holding only a role with <c>admin:users</c> and <c>read:all</c>), not signed in anywhere yet.</summary>
    public static async Task<SignedInUser> HelpdeskAsync(this WardenFactory factory)
    {
        var admin = await factory.AdminClientAsync();
        var role = "helpdesk-" + Guid.NewGuid().ToString("N")[..8];
        await admin.CreateRoleAsync(role, "admin:users", "read:all");
        return await factory.SignedInWithRoleAsync(admin, role);
    }

    /// <summary>The user's sign-in locked for 15 minutes, as five failed passwords leave it; returns the user's id.</summary>
    public static Task<Guid> LockSignInAsync(this WardenFactory factory, string email) => factory.InDbAsync(async db =>
    {
        var user = await db.Users.SingleAsync(u => u.Email == email);
        var now = factory.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        db.LoginAttempts.Add(new LoginAttempt { Identifier = LoginThrottle.KeysOf(user)[0], Failures = 5, LastAttemptAt = now, LockedUntil = now.AddMinutes(15) });
        await db.SaveChangesAsync();
        return user.Id;
    });

    /// <summary>Fills the hosted sign-in page in the browser and submits it.</summary>
    public static async Task SignInAsync(this IPage page, string login, string password)
    {
        await page.FillAsync("#login", login);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button.primary");
    }
}
