using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Infrastructure.Http;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Warden.Tests.Oidc;
using Warden.Tests.Pages;

namespace Warden.Tests.Authentication;

/// <summary>
/// Registration switched off (<c>Warden:Authentication:OpenRegistration=false</c>): no self-service path makes an account —
/// the API, the sign-up page, a first external sign-in — and none tells whether an address has one; administrators still
/// create accounts, and an external identity already linked or proven to an existing account still signs in.
/// </summary>
[SqliteOnly]
[Collection(ExternalSignInTests.Collection)] // its upstream provider, and this closed Warden, are that collection's
public sealed class ClosedRegistrationTests(ExternalSignInTests.Servers servers)
{
    private WardenFactory Warden => servers.Closed;

    [Fact]
    public async Task TheRegistrationApiRefusesEveryRequestAlikeAndCreatesNothing()
    {
        var client = Warden.CreateClient();
        var fresh = AuthFlows.NewEmail("closed");

        var answers = new List<HttpResponseMessage>
        {
            await client.PostAsJsonAsync("/api/v1/auth/register", new { email = fresh, password = AuthFlows.Password, fullName = "New Person" }),
            await client.PostAsJsonAsync("/api/v1/auth/register", new { email = WardenFactory.AdminEmail, password = AuthFlows.Password, fullName = "Taken Person" }),
            await client.PostAsJsonAsync("/api/v1/auth/register", new { email = "not an address", password = "x" }),
        };

        var bodies = new List<string>();
        foreach (var answer in answers)
        {
            var problem = await answer.AssertProblemAsync(HttpStatusCode.Forbidden, ProblemCodes.RegistrationClosed);
            bodies.Add(problem.GetProperty("detail").GetString()!);
        }

        Assert.Single(bodies.Distinct());
        Assert.False(await Warden.InDbAsync(db => db.Users.AnyAsync(u => u.Email == fresh)));
    }

    [Fact]
    public async Task TheSignUpPageSaysRegistrationIsClosedAndTakesNothingAndTheSignInPageOffersNoNewAccount()
    {
        var browser = Warden.PageClient();
        var email = AuthFlows.NewEmail("page");

        var page = await browser.GetAsync("/account/register");
        var token = await browser.FormTokenAsync("/account/login");
        var posted = await browser.PostFormAsync("/account/register", token,
            ("fullName", "Page Person"), ("email", email), ("password", AuthFlows.Password));
        var signIn = await browser.GetStringAsync("/account/login");

        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Contains("Registration is closed", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"password\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, posted.StatusCode);
        Assert.False(await Warden.InDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
        Assert.DoesNotContain("href=\"/account/register\"", signIn, StringComparison.Ordinal);
        Assert.Contains("href=\"/account/forgot-password\"", signIn, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAdministratorStillCreatesAccounts()
    {
        var email = AuthFlows.NewEmail("made");

        await CreateByAdministratorAsync(email);

        Assert.Equal(HttpStatusCode.SeeOther, (await Warden.PageClient().SignInThroughPageAsync(email)).StatusCode);
    }

    [Fact]
    public async Task AFirstExternalSignInWithANewAddressMakesNoAccountWhileAProvenOrLinkedIdentitySignsIn()
    {
        var flows = new ExternalFlows(Warden, servers.Upstream);
        var trusted = await flows.ProviderAsync(trustEmail: true);
        var untrusted = await flows.ProviderAsync(trustEmail: false);
        var fresh = AuthFlows.NewEmail("newcomer");
        var owner = AuthFlows.NewEmail("member");
        await CreateByAdministratorAsync(owner);
        var ownerId = await flows.UserIdAsync(owner);
        var newcomer = await flows.UpstreamBrowserAsync(fresh);
        var member = await flows.UpstreamBrowserAsync(owner);

        // A new address: told registration is closed, nothing made.
        var refused = await ExternalFlows.SignInExternallyAsync(flows.Browser(), newcomer, trusted.Slug);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Registration is closed", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(await Warden.InDbAsync(db => db.Users.AnyAsync(u => u.Email == fresh)));

        // An untrusted provider naming an account's address gets the very same answer: nothing tells the account is there.
        var unproven = await ExternalFlows.SignInExternallyAsync(flows.Browser(), member, untrusted.Slug);
        Assert.Equal(refused.StatusCode, unproven.StatusCode);
        Assert.Contains("Registration is closed", await unproven.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await flows.LoginsAsync(ownerId));

        // A trusted address an account has: proven with the account's password, linked, signed in; then it signs in directly.
        var browser = flows.Browser();
        var asked = await (await ExternalFlows.SignInExternallyAsync(browser, member, trusted.Slug)).Content.ReadAsStringAsync();
        Assert.Contains("Connect to your account", asked, StringComparison.Ordinal);
        await ExternalFlows.SignedInAsync(await browser.PostFormAsync("/account/login/external/connect", PageForms.Hidden(asked, PageForms.TokenField),
            ("token", PageForms.Hidden(asked, "token")!), ("password", AuthFlows.Password)));
        Assert.Equal(trusted.Id.ToString("N"), (await flows.LoginsAsync(ownerId)).Single());
        await ExternalFlows.SignedInAsync(await ExternalFlows.SignInExternallyAsync(flows.Browser(), member, trusted.Slug));
    }

    private async Task CreateByAdministratorAsync(string email)
    {
        var admin = (await Warden.AdminClientAsync()).Client;
        var created = await admin.PostAsJsonAsync("/api/v1/admin/users", new { email, password = AuthFlows.Password, fullName = "Made By Admin" });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }
}
