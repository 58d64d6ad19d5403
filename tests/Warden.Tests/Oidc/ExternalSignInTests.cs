using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Client;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Oidc;
using Warden.Server.Oidc.External;
using Warden.Server.Users;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Warden.Tests.Pages;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Tests.Oidc;

/// <summary>
/// Sign-in with an upstream OpenID Connect provider: a second Warden on a real port on 127.0.0.1, configured in the Warden
/// under test as a generic provider by its discovery address. The browser is two cookie-keeping clients, one per server,
/// carrying each redirect across by hand.
/// </summary>
[SqliteOnly]
[Collection(Collection)]
public sealed class ExternalSignInTests(ExternalSignInTests.Servers servers)
{
    /// <summary>The classes that sign in through the upstream Warden share it (one server less to start).</summary>
    public const string Collection = "External sign-in";

    public sealed class Servers : IDisposable
    {
        private readonly Lazy<WardenFactory> _closed = new(() => new WardenFactory()
            .With("Warden:Authentication:OpenRegistration", "false")
            .With("Warden:Network:AllowPrivateTargets", "true"));

        public KestrelWardenFactory Upstream { get; } = new();

        /// <summary>The Warden under test: its provider is on 127.0.0.1, which the outbound guard allows only by this switch.</summary>
        public WardenFactory Warden { get; } = new WardenFactory().With("Warden:Network:AllowPrivateTargets", "true");

        /// <summary>The same with registration closed (Authentication/ClosedRegistrationTests), made when first used.</summary>
        public WardenFactory Closed => _closed.Value;

        public void Dispose()
        {
            Warden.Dispose();
            if (_closed.IsValueCreated)
            {
                _closed.Value.Dispose();
            }

            Upstream.Dispose();
        }
    }

    private WardenFactory Warden => servers.Warden;
    private KestrelWardenFactory Upstream => servers.Upstream;

    [Fact]
    public async Task TheFirstExternalSignInCreatesAVerifiedPasswordlessAccountAndTheNextSignsInToIt()
    {
        var provider = await ProviderAsync(trustEmail: true);
        var email = AuthFlows.NewEmail("ext");
        var upstream = await UpstreamBrowserAsync(email);

        var browser = Browser();
        var first = await SignInExternallyAsync(browser, upstream, provider.Slug);
        Assert.Equal(HttpStatusCode.SeeOther, first.StatusCode);
        Assert.Equal("/account", first.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account")).StatusCode);

        var user = await Warden.InDbAsync(db => db.Users.SingleAsync(u => u.Email == email));
        Assert.True(user.EmailConfirmed);
        Assert.Equal(UserStatus.Active, user.Status);
        Assert.Null(user.PasswordHash);
        Assert.Equal(provider.Id.ToString("N"), (await LoginsAsync(user.Id)).Single());

        var again = await SignInExternallyAsync(Browser(), upstream, provider.Slug);
        Assert.Equal(HttpStatusCode.SeeOther, again.StatusCode);
        Assert.Equal(1, await Warden.InDbAsync(db => db.Users.CountAsync(u => u.Email == email)));
        var signIns = await Warden.InDbAsync(db => db.OutboxMessages.Where(m => m.Type == EventTypes.LoginSucceeded && m.Subject == user.Id).Select(m => m.Data).ToListAsync());
        Assert.Equal(2, signIns.Count);
        Assert.All(signIns, data =>
        {
            var json = JsonDocument.Parse(data).RootElement;
            Assert.Equal("external", json.GetProperty("method").GetString());
            Assert.Equal(provider.Slug, json.GetProperty("provider").GetString());
        });
    }

    [Fact]
    public async Task AnIdentityWhoseEmailAnAccountHasIsLinkedOnlyAfterThatAccountsPassword()
    {
        var provider = await ProviderAsync(trustEmail: true);
        var email = AuthFlows.NewEmail("owner");
        await Warden.CreateClient().RegisterAsync(email);
        await Warden.ActivateAsync(email);
        var ownerId = await Warden.InDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());
        var upstream = await UpstreamBrowserAsync(email);

        var browser = Browser();
        var asked = await SignInExternallyAsync(browser, upstream, provider.Slug);
        var form = await asked.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        Assert.Contains("Connect to your account", form, StringComparison.Ordinal);
        Assert.Empty(await LoginsAsync(ownerId));
        Assert.NotEqual(HttpStatusCode.OK, (await browser.GetAsync("/account")).StatusCode);

        var linkToken = PageForms.Hidden(form, "token")!;
        var antiforgery = PageForms.Hidden(form, PageForms.TokenField);
        var wrong = await browser.PostFormAsync("/account/login/external/connect", antiforgery, ("token", linkToken), ("password", "Not-The-Password-1!"));
        Assert.Contains("Connect to your account", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await LoginsAsync(ownerId));

        var proven = await browser.PostFormAsync("/account/login/external/connect", antiforgery, ("token", linkToken), ("password", AuthFlows.Password));
        Assert.Equal(HttpStatusCode.SeeOther, proven.StatusCode);
        Assert.Equal(provider.Id.ToString("N"), (await LoginsAsync(ownerId)).Single());
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account")).StatusCode);

        // From now on the identity signs in to the account directly.
        Assert.Equal(HttpStatusCode.SeeOther, (await SignInExternallyAsync(Browser(), upstream, provider.Slug)).StatusCode);
    }

    [Fact]
    public async Task AnUntrustedProvidersEmailLinksNothingAndIsAnsweredAsANewAddressWouldBe()
    {
        // The provider's email is not trusted: an identity naming an account's address must neither link to that
        // account nor tell the person that the address has one — the answer is the one a new address gets.
        var provider = await ProviderAsync(trustEmail: false);
        var taken = AuthFlows.NewEmail("taken");
        await Warden.CreateClient().RegisterAsync(taken);
        await Warden.ActivateAsync(taken);
        var ownerId = await Warden.InDbAsync(db => db.Users.Where(u => u.Email == taken).Select(u => u.Id).SingleAsync());

        var browser = Browser();
        var existing = await SignInExternallyAsync(browser, await UpstreamBrowserAsync(taken), provider.Slug);
        var fresh = await SignInExternallyAsync(Browser(), await UpstreamBrowserAsync(AuthFlows.NewEmail("fresh")), provider.Slug);

        Assert.Equal(fresh.StatusCode, existing.StatusCode);
        Assert.Contains("Check your email", await existing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("Check your email", await fresh.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await LoginsAsync(ownerId));
        Assert.NotEqual(HttpStatusCode.OK, (await browser.GetAsync("/account")).StatusCode);
    }

    [Fact]
    public async Task TheLastWayToSignInCannotBeDisconnected()
    {
        var provider = await ProviderAsync(trustEmail: true);
        var email = AuthFlows.NewEmail("last");
        var browser = Browser();
        await SignedInAsync(await SignInExternallyAsync(browser, await UpstreamBrowserAsync(email), provider.Slug));

        var page = await browser.GetStringAsync("/account/sign-in-methods");
        Assert.Contains("Upstream " + provider.Slug, page, StringComparison.Ordinal);
        var refused = await browser.PostFormAsync("/account/sign-in-methods/unlink", PageForms.Hidden(page, PageForms.TokenField), ("provider", provider.Id.ToString("N")));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("last way to sign in", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var userId = await Warden.InDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());
        Assert.Single(await LoginsAsync(userId));
    }

    [Fact]
    public async Task ADisabledProviderFinishesNoSignInEvenOneStartedBeforeAndADeletedOneTakesItsLinksAlong()
    {
        var provider = await ProviderAsync(trustEmail: true);
        var email = AuthFlows.NewEmail("gone");
        var upstream = await UpstreamBrowserAsync(email);
        Assert.Equal(HttpStatusCode.SeeOther, (await SignInExternallyAsync(Browser(), upstream, provider.Slug)).StatusCode);

        var admin = await AdminAsync();
        var listed = await (await admin.GetAsync("/api/v1/admin/identity-providers")).ReadJsonAsync();
        Assert.DoesNotContain(Secret, listed.GetRawText(), StringComparison.Ordinal);
        Assert.NotEqual(Secret, await Warden.InDbAsync(db => db.IdentityProviders.Where(p => p.Id == provider.Id).Select(p => p.ProtectedClientSecret).SingleAsync()));

        // A flow under way when the provider is disabled does not finish.
        var browser = Browser();
        var callback = await CallbackUrlAsync(browser, upstream, provider.Slug);
        (await admin.SendAsync(HttpMethod.Patch, $"/api/v1/admin/identity-providers/{provider.Id}", new { enabled = false })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.GetAsync(callback)).StatusCode);
        Assert.DoesNotContain($"/account/login/external/{provider.Slug}\"", await browser.GetStringAsync("/account/login"), StringComparison.Ordinal);
        var token = await browser.FormTokenAsync("/account/login");
        Assert.Equal(HttpStatusCode.NotFound, (await browser.PostFormAsync($"/account/login/external/{provider.Slug}", token)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/admin/identity-providers/{provider.Id}")).StatusCode);
        var userId = await Warden.InDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());
        Assert.Empty(await LoginsAsync(userId));
        Assert.True(await Warden.InDbAsync(db => db.OutboxMessages.AnyAsync(m => m.Type == EventTypes.IdentityProviderDeleted && m.Data.Contains(provider.Id.ToString()))));
    }

    [Fact]
    public async Task APasswordlessAccountReauthenticatesByAFreshSignInAtItsProviderAndThenMayMakeASensitiveChange()
    {
        var provider = await ProviderAsync(trustEmail: true);
        var email = AuthFlows.NewEmail("nopass");
        var upstream = await UpstreamBrowserAsync(email);
        var browser = Browser();
        await SignedInAsync(await SignInExternallyAsync(browser, upstream, provider.Slug));
        Assert.Equal("/account/reauthenticate?returnUrl=%2Faccount%2Fdelete", (await browser.GetAsync("/account/delete")).Headers.Location?.OriginalString);

        var page = await browser.GetStringAsync("/account/reauthenticate?returnUrl=%2Faccount%2Fdelete");
        Assert.Contains("Confirm with Upstream " + provider.Slug, page, StringComparison.Ordinal);
        var challenge = await browser.PostFormAsync($"/account/reauthenticate/external/{provider.Slug}", PageForms.Hidden(page, PageForms.TokenField),
            ("returnUrl", "/account/delete"));
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        Assert.Contains("prompt=login", challenge.Headers.Location!.Query, StringComparison.Ordinal);

        // The provider asks for the sign-in again, although its own session is there: a fresh proof, not a session's echo.
        var askedAgain = await upstream.GetAsync(challenge.Headers.Location);
        Assert.Equal(HttpStatusCode.Redirect, askedAgain.StatusCode);
        var upstreamLogin = askedAgain.Headers.Location!.OriginalString;
        Assert.StartsWith("/account/login?", upstreamLogin, StringComparison.Ordinal);
        var form = await upstream.GetStringAsync(upstreamLogin);
        var signedInAgain = await upstream.PostFormAsync("/account/login", PageForms.Hidden(form, PageForms.TokenField),
            ("login", email), ("password", AuthFlows.Password), ("returnUrl", PageForms.Hidden(form, "returnUrl")!));
        Assert.Equal(HttpStatusCode.SeeOther, signedInAgain.StatusCode);
        var callback = await upstream.GetAsync(signedInAgain.Headers.Location);
        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);

        var back = await browser.GetAsync(callback.Headers.Location!.PathAndQuery);
        Assert.Equal("/account/delete", back.Headers.Location?.OriginalString);
        var deletePage = await browser.GetAsync("/account/delete");
        Assert.Equal(HttpStatusCode.OK, deletePage.StatusCode);
        Assert.Contains("name=\"confirm", await deletePage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectingAProviderFromTheSignInMethodsPageTakesARecentReauthenticationAndThenLinks()
    {
        var provider = await ProviderAsync(trustEmail: false);
        var email = AuthFlows.NewEmail("connect");
        await Warden.CreateClient().RegisterAsync(email);
        await Warden.ActivateAsync(email);
        var userId = await Flows.UserIdAsync(email);
        var browser = Browser();
        await SignedInAsync(await browser.SignInThroughPageAsync(email));
        var upstream = await UpstreamBrowserAsync(AuthFlows.NewEmail("elsewhere"));

        var page = await browser.GetStringAsync("/account/sign-in-methods");
        var token = PageForms.Hidden(page, PageForms.TokenField);
        var unproven = await browser.PostFormAsync("/account/sign-in-methods/link", token, ("provider", provider.Slug));
        Assert.Equal("/account/reauthenticate?returnUrl=%2Faccount%2Fsign-in-methods", unproven.Headers.Location?.OriginalString);
        Assert.Empty(await LoginsAsync(userId));

        var reauth = await browser.FormTokenAsync("/account/reauthenticate?returnUrl=%2Faccount%2Fsign-in-methods");
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.PostFormAsync("/account/reauthenticate", reauth,
            ("password", AuthFlows.Password), ("returnUrl", "/account/sign-in-methods"))).StatusCode);
        var challenge = await browser.PostFormAsync("/account/sign-in-methods/link", await browser.FormTokenAsync("/account/sign-in-methods"), ("provider", provider.Slug));
        var linked = await browser.GetAsync(await ExternalFlows.AuthorizedAsync(challenge, upstream, provider.Slug));

        Assert.Equal("/account/sign-in-methods?done=linked", linked.Headers.Location?.OriginalString);
        Assert.Equal(provider.Id.ToString("N"), (await LoginsAsync(userId)).Single());
        Assert.True(await Warden.InDbAsync(db => db.OutboxMessages.AnyAsync(m => m.Type == EventTypes.ExternalLoginLinked && m.Subject == userId)));
    }

    [Fact]
    public async Task APasswordlessAccountCannotPassTheProofPageAndNothingIsLinked()
    {
        // An account made by a first external sign-in has no password: a second trusted provider naming its address is
        // sent to the proof page, where no password can prove it.
        var first = await ProviderAsync(trustEmail: true);
        var second = await ProviderAsync(trustEmail: true);
        var email = AuthFlows.NewEmail("noproof");
        var upstream = await UpstreamBrowserAsync(email);
        await SignedInAsync(await SignInExternallyAsync(Browser(), upstream, first.Slug));
        var userId = await Flows.UserIdAsync(email);

        var browser = Browser();
        var asked = await (await SignInExternallyAsync(browser, upstream, second.Slug)).Content.ReadAsStringAsync();
        Assert.Contains("Connect to your account", asked, StringComparison.Ordinal);
        var antiforgery = PageForms.Hidden(asked, PageForms.TokenField);
        var linkToken = PageForms.Hidden(asked, "token")!;
        foreach (var password in new[] { "", AuthFlows.Password, "Anything-At-All-1!" })
        {
            var refused = await browser.PostFormAsync("/account/login/external/connect", antiforgery, ("token", linkToken), ("password", password));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        }

        Assert.Equal([first.Id.ToString("N")], await LoginsAsync(userId));
        Assert.NotEqual(HttpStatusCode.OK, (await browser.GetAsync("/account")).StatusCode);
    }

    [Fact]
    public async Task TheProofPagesTokenIsSpentByTheLinkSoAReplayedFormLinksNothingAgain()
    {
        // The attack: the proof form (its link token) is captured and posted again after the owner's link — here after the
        // owner disconnected the identity, which the replay must not connect back without a new sign-in at the provider.
        var provider = await ProviderAsync(trustEmail: true);
        var email = AuthFlows.NewEmail("replay");
        await Warden.CreateClient().RegisterAsync(email);
        await Warden.ActivateAsync(email);
        var ownerId = await Flows.UserIdAsync(email);
        var browser = Browser();
        var asked = await (await SignInExternallyAsync(browser, await UpstreamBrowserAsync(email), provider.Slug)).Content.ReadAsStringAsync();
        var fields = new[] { ("token", PageForms.Hidden(asked, "token")!), ("password", AuthFlows.Password) };
        await SignedInAsync(await browser.PostFormAsync("/account/login/external/connect", PageForms.Hidden(asked, PageForms.TokenField), fields));
        await Warden.InDbAsync(db => db.UserLogins.Where(l => l.UserId == ownerId).ExecuteDeleteAsync());

        var attacker = Browser();
        var replayed = await attacker.PostFormAsync("/account/login/external/connect", await attacker.FormTokenAsync("/account/login"), fields);

        Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
        Assert.Empty(await LoginsAsync(ownerId));
        Assert.NotEqual(HttpStatusCode.OK, (await attacker.GetAsync("/account")).StatusCode);
    }

    [Fact]
    public async Task GoogleGitHubAndMicrosoftGetTheirBuiltInIssuersFromOpenIddictsWebIntegration()
    {
        var admin = await AdminAsync();
        var expected = new Dictionary<string, string>
        {
            ["google"] = "https://accounts.google.com/",
            ["github"] = "https://github.com/",
            ["microsoft"] = "https://login.microsoftonline.com/common/v2.0",
        };
        var ids = new Dictionary<string, Guid>();
        foreach (var kind in expected.Keys)
        {
            var created = await (await admin.PostAsJsonAsync("/api/v1/admin/identity-providers", new
            {
                slug = kind + "-" + Guid.NewGuid().ToString("N")[..6], displayName = kind, kind, clientId = "id-" + kind, clientSecret = "secret-" + kind,
            })).ReadJsonAsync(HttpStatusCode.Created);
            ids[kind] = created.GetProperty("id").GetGuid();
        }

        try
        {
            await Warden.InScopeAsync(async services =>
            {
                await services.GetRequiredService<ExternalProviders>().RefreshAsync(CancellationToken.None);
                var registrations = services.GetRequiredService<IOptionsMonitor<OpenIddictClientOptions>>().CurrentValue.Registrations;
                foreach (var (kind, issuer) in expected)
                {
                    var registration = registrations.Single(r => r.RegistrationId == ids[kind].ToString("N"));
                    Assert.StartsWith(issuer.TrimEnd('/'), registration.Issuer!.AbsoluteUri, StringComparison.Ordinal);
                    Assert.Equal("id-" + kind, registration.ClientId);
                }
            });
        }
        finally
        {
            foreach (var id in ids.Values)
            {
                await admin.DeleteAsync($"/api/v1/admin/identity-providers/{id}");
            }
        }
    }

    private ExternalFlows? _flows;

    private ExternalFlows Flows => _flows ??= new ExternalFlows(Warden, Upstream);

    private HttpClient Browser() => Flows.Browser();

    private const string Secret = ExternalFlows.Secret;

    private Task<HttpClient> AdminAsync() => Flows.AdminAsync();

    private Task<ExternalFlows.Provider> ProviderAsync(bool trustEmail) => Flows.ProviderAsync(trustEmail);

    private Task<HttpClient> UpstreamBrowserAsync(string email) => Flows.UpstreamBrowserAsync(email);

    private static Task<string> CallbackUrlAsync(HttpClient browser, HttpClient upstream, string slug) => ExternalFlows.CallbackUrlAsync(browser, upstream, slug);

    private static Task<HttpResponseMessage> SignInExternallyAsync(HttpClient browser, HttpClient upstream, string slug) =>
        ExternalFlows.SignInExternallyAsync(browser, upstream, slug);

    private static Task SignedInAsync(HttpResponseMessage response) => ExternalFlows.SignedInAsync(response);

    private Task<List<string>> LoginsAsync(Guid userId) => Flows.LoginsAsync(userId);
}

[CollectionDefinition(ExternalSignInTests.Collection)]
public sealed class ExternalSignInCollection : ICollectionFixture<ExternalSignInTests.Servers>;
