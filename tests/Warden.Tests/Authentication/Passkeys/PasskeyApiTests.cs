using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Authentication.TwoFactor;
using Warden.Server.Events;
using Warden.Server.Users;
using Warden.Tests.Infrastructure;
using Warden.Tests.Pages;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Authentication.Passkeys;

/// <summary>
/// Passkeys over the API with a software authenticator: the ceremonies, and the guards around them (re-authentication,
/// origin and RP id, single-use and expiring challenges, sign counts, per-object authorization, suspended accounts).
/// The relying party is the test factory's public URL, https://warden.test.
/// </summary>
[SqliteOnly]
public sealed class PasskeyApiTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private const string Origin = WardenFactory.PublicBaseUrl;

    private static async Task<JsonElement> OptionsAsync(HttpResponseMessage response) =>
        (await response.ReadJsonAsync()).GetProperty("options");

    private static async Task<HttpResponseMessage> RegisterAsync(SignedInUser user, SoftwareAuthenticator authenticator, string name = "Laptop", string? origin = null, string? rpId = null)
    {
        var options = await OptionsAsync(await user.Client.PostAsJsonAsync("/api/v1/users/passkeys/register/options", new { password = AuthFlows.Password }));
        return await user.Client.PostAsJsonAsync("/api/v1/users/passkeys/register/verify",
            new { credential = authenticator.Create(options, origin, rpId), name });
    }

    private async Task<(SignedInUser User, SoftwareAuthenticator Authenticator)> WithPasskeyAsync()
    {
        var user = await factory.SignedInClientAsync();
        var authenticator = new SoftwareAuthenticator(Origin);
        await (await RegisterAsync(user, authenticator)).ReadJsonAsync(HttpStatusCode.Created);
        return (user, authenticator);
    }

    private async Task<JsonElement> SignInOptionsAsync(HttpClient client) =>
        await OptionsAsync(await client.PostAsync("/api/v1/auth/passkey/options", null));

    private static Task<HttpResponseMessage> SignInAsync(HttpClient client, JsonObject credential) =>
        client.PostAsJsonAsync("/api/v1/auth/passkey/verify", new { credential });

    private async Task<uint> StoredSignCountAsync(Guid userId) => await factory.InScopeAsync(async services =>
    {
        var users = services.GetRequiredService<UserManager<User>>();
        return (await users.GetPasskeysAsync((await users.FindByIdAsync(userId.ToString()))!)).Single().SignCount;
    });

    [Fact]
    public async Task APasskeyRegisteredAfterReauthenticationSignsInAloneAsMultiFactorAndItsSignCountRises()
    {
        var (user, authenticator) = await WithPasskeyAsync();
        var listed = await user.Client.GetJsonAsync("/api/v1/users/passkeys");
        Assert.Equal("Laptop", listed[0].GetProperty("name").GetString());
        Assert.Equal(authenticator.Credentials[0].IdText, listed[0].GetProperty("id").GetString());
        Assert.Equal(0u, await StoredSignCountAsync(user.Id));

        var anonymous = factory.CreateClient();
        var options = await SignInOptionsAsync(anonymous);
        Assert.Equal(0, options.GetProperty("allowCredentials").GetArrayLength());
        Assert.Equal("warden.test", options.GetProperty("rpId").GetString());
        var tokens = AuthFlows.ReadTokens(await (await SignInAsync(anonymous, authenticator.Get(options))).ReadJsonAsync());

        Assert.Equal(user.Id, tokens.User.GetProperty("id").GetGuid());
        var amr = JwtPayload(tokens.AccessToken).GetProperty("amr").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.Contains("hwk", amr);
        Assert.Contains("mfa", amr);
        Assert.Equal(1u, await StoredSignCountAsync(user.Id));
        await factory.EventuallyInDbAsync(db => db.OutboxMessages.AnyAsync(m => m.Type == EventTypes.PasskeyAdded && m.Subject == user.Id), "passkey.added");
        await factory.Mailbox.WaitForAsync(m => m.To == user.Email && m.TextBody.Contains("Added: a passkey (Laptop).", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RegistrationWithoutAFreshReauthenticationIsRefused()
    {
        var user = await factory.SignedInClientAsync();

        await (await user.Client.PostAsJsonAsync("/api/v1/users/passkeys/register/options", new { }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "reauthentication_required");
        await (await user.Client.PostAsJsonAsync("/api/v1/users/passkeys/register/options", new { password = "wrong password!" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "reauthentication_failed");
    }

    [Fact]
    public async Task ACredentialMadeForAnotherOriginOrRelyingPartyIsRefused()
    {
        var user = await factory.SignedInClientAsync();
        var authenticator = new SoftwareAuthenticator(Origin);

        await (await RegisterAsync(user, authenticator, origin: "https://evil.test")).AssertProblemAsync(HttpStatusCode.BadRequest, "passkey_rejected");
        await (await RegisterAsync(user, authenticator, rpId: "evil.test")).AssertProblemAsync(HttpStatusCode.BadRequest, "passkey_rejected");
        await (await RegisterAsync(user, authenticator)).ReadJsonAsync(HttpStatusCode.Created);

        var client = factory.CreateClient();
        await (await SignInAsync(client, authenticator.Get(await SignInOptionsAsync(client), authenticator.Credentials[^1], originOverride: "https://warden.test.evil.test")))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "passkey_rejected");
    }

    [Fact]
    public async Task AnAssertionIsGoodOnceAndItsChallengeExpires()
    {
        var (_, authenticator) = await WithPasskeyAsync();
        var client = factory.CreateClient();
        var assertion = authenticator.Get(await SignInOptionsAsync(client));
        await (await SignInAsync(client, assertion)).ReadJsonAsync();

        await (await SignInAsync(client, assertion)).AssertProblemAsync(HttpStatusCode.Unauthorized, "passkey_rejected");

        var options = await SignInOptionsAsync(client);
        factory.Time.Advance(TimeSpan.FromMinutes(6));
        await (await SignInAsync(client, authenticator.Get(options))).AssertProblemAsync(HttpStatusCode.Unauthorized, "passkey_rejected");
    }

    [Fact]
    public async Task ASignCountThatGoesBackwardsIsRefusedAndOneThatStaysZeroIsAccepted()
    {
        var (user, cloned) = await WithPasskeyAsync();
        var client = factory.CreateClient();
        for (var i = 0; i < 2; i++)
        {
            await (await SignInAsync(client, cloned.Get(await SignInOptionsAsync(client)))).ReadJsonAsync();
        }

        Assert.Equal(2u, await StoredSignCountAsync(user.Id));
        cloned.Credentials[0].SignCount = 0; // a copy of the key that has signed less than the original
        await (await SignInAsync(client, cloned.Get(await SignInOptionsAsync(client)))).AssertProblemAsync(HttpStatusCode.Unauthorized, "passkey_rejected");
        Assert.Equal(2u, await StoredSignCountAsync(user.Id));

        var (synced, syncedKey) = await WithPasskeyAsync();
        syncedKey.CounterStep = 0;
        for (var i = 0; i < 2; i++)
        {
            await (await SignInAsync(client, syncedKey.Get(await SignInOptionsAsync(client)))).ReadJsonAsync();
        }

        Assert.Equal(0u, await StoredSignCountAsync(synced.Id));
    }

    [Fact]
    public async Task AnotherUsersPasskeyCannotBeRenamedOrRemovedAndARemovedOneNoLongerSignsIn()
    {
        var (owner, authenticator) = await WithPasskeyAsync();
        var id = authenticator.Credentials[0].IdText;
        var other = await factory.SignedInClientAsync();

        await (await other.Client.PatchAsJsonAsync($"/api/v1/users/passkeys/{id}", new { name = "mine now" })).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await other.Client.SendAsync(HttpMethod.Delete, $"/api/v1/users/passkeys/{id}", new { password = AuthFlows.Password }))
            .AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("Laptop", (await owner.Client.GetJsonAsync("/api/v1/users/passkeys"))[0].GetProperty("name").GetString());

        Assert.Equal("Work key", (await (await owner.Client.PatchAsJsonAsync($"/api/v1/users/passkeys/{id}", new { name = "Work key" })).ReadJsonAsync())
            .GetProperty("name").GetString());
        factory.Time.Advance(TimeSpan.FromMinutes(6)); // past the registration's re-authentication window
        await (await owner.Client.SendAsync(HttpMethod.Delete, $"/api/v1/users/passkeys/{id}", new { }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "reauthentication_required");
        Assert.Equal(HttpStatusCode.NoContent, (await owner.Client.SendAsync(HttpMethod.Delete, $"/api/v1/users/passkeys/{id}", new { password = AuthFlows.Password })).StatusCode);

        Assert.Equal(0, (await owner.Client.GetJsonAsync("/api/v1/users/passkeys")).GetArrayLength());
        var client = factory.CreateClient();
        await (await SignInAsync(client, authenticator.Get(await SignInOptionsAsync(client)))).AssertProblemAsync(HttpStatusCode.Unauthorized, "passkey_rejected");
    }

    [Fact]
    public async Task ASuspendedUserCannotSignInWithAPasskey()
    {
        var (user, authenticator) = await WithPasskeyAsync();
        await factory.InDbAsync(db => db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.Status, UserStatus.Suspended)));

        var client = factory.CreateClient();
        await (await SignInAsync(client, authenticator.Get(await SignInOptionsAsync(client)))).AssertProblemAsync(HttpStatusCode.Forbidden, "account_suspended");
    }

    [Fact]
    public async Task APasskeyAnswersTheSecondStepOfAPasswordSignIn()
    {
        var (user, authenticator) = await WithPasskeyAsync();
        await TurnOnEmailCodesAsync(user.Id);
        var client = factory.CreateClient();
        var challenge = await (await client.PostLoginAsync(user.Email)).ReadJsonAsync();
        Assert.Contains("passkey", challenge.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        var challengeToken = challenge.GetProperty("challengeToken").GetString();

        var options = await OptionsAsync(await client.PostAsJsonAsync("/api/v1/auth/2fa/passkey/options", new { challengeToken }));
        Assert.Equal(authenticator.Credentials[0].IdText, options.GetProperty("allowCredentials")[0].GetProperty("id").GetString());
        var tokens = AuthFlows.ReadTokens(await (await client.PostAsJsonAsync("/api/v1/auth/2fa/passkey/verify",
            new { challengeToken, credential = authenticator.Get(options) })).ReadJsonAsync());

        Assert.Equal(["pwd", "hwk", "mfa"], JwtPayload(tokens.AccessToken).GetProperty("amr").EnumerateArray().Select(a => a.GetString()));
        await (await client.PostAsJsonAsync("/api/v1/auth/2fa/passkey/verify", new { challengeToken, credential = authenticator.Get(options) }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
    }

    [Fact]
    public async Task WithoutUserVerificationAPasskeyIsOneFactorRefusedForTwoStepAccountsAndNoProofForReauthentication()
    {
        var (user, authenticator) = await WithPasskeyAsync();
        authenticator.UserVerified = false;
        var client = factory.CreateClient();
        var tokens = AuthFlows.ReadTokens(await (await SignInAsync(client, authenticator.Get(await SignInOptionsAsync(client)))).ReadJsonAsync());
        Assert.Equal(["hwk"], JwtPayload(tokens.AccessToken).GetProperty("amr").EnumerateArray().Select(a => a.GetString()));

        var reauth = await OptionsAsync(await user.Client.PostAsync("/api/v1/users/passkeys/reauthenticate/options", null));
        await (await user.Client.PostAsJsonAsync("/api/v1/users/passkeys/reauthenticate/verify", new { credential = authenticator.Get(reauth) }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "reauthentication_failed");

        await TurnOnEmailCodesAsync(user.Id);
        await (await SignInAsync(client, authenticator.Get(await SignInOptionsAsync(client))))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "user_verification_required");
    }

    [Fact]
    public async Task AVerifiedPasskeyIsAFreshProofForTheNextSensitiveChange()
    {
        var (user, authenticator) = await WithPasskeyAsync();
        var id = authenticator.Credentials[0].IdText;
        factory.Time.Advance(TimeSpan.FromMinutes(10)); // the registration's re-authentication is stale now
        await (await user.Client.SendAsync(HttpMethod.Delete, $"/api/v1/users/passkeys/{id}", new { }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "reauthentication_required");

        var options = await OptionsAsync(await user.Client.PostAsync("/api/v1/users/passkeys/reauthenticate/options", null));
        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.PostAsJsonAsync("/api/v1/users/passkeys/reauthenticate/verify",
            new { credential = authenticator.Get(options) })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.SendAsync(HttpMethod.Delete, $"/api/v1/users/passkeys/{id}", new { })).StatusCode);
    }

    [Fact]
    public async Task OnTheSignInPageAPasskeyCanTakeTheCodesPlaceAtTheSecondStep()
    {
        var (user, authenticator) = await WithPasskeyAsync();
        await TurnOnEmailCodesAsync(user.Id);
        var browser = factory.PageClient();

        var codeStep = await browser.PostFormAsync("/account/login", await browser.FormTokenAsync("/account/login"), ("login", user.Email), ("password", AuthFlows.Password));
        var codeForm = await codeStep.Content.ReadAsStringAsync();
        Assert.Contains("/account/login/second-factor/passkey/options", codeForm, StringComparison.Ordinal);
        var token = PageForms.Hidden(codeForm, PageForms.TokenField);
        var challengeToken = PageForms.Hidden(codeForm, "challengeToken")!;
        var options = await OptionsAsync(await browser.PostFormAsync("/account/login/second-factor/passkey/options", token, ("challengeToken", challengeToken)));

        // A credential for another ceremony is refused and the code form comes back; the right one signs the browser in.
        var wrong = await browser.PostFormAsync("/account/login/second-factor/passkey", token, ("challengeToken", challengeToken),
            ("credential", authenticator.Get(await SignInOptionsAsync(factory.CreateClient())).ToJsonString()));
        var right = await browser.PostFormAsync("/account/login/second-factor/passkey", token, ("challengeToken", challengeToken),
            ("credential", authenticator.Get(options).ToJsonString()));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrong.StatusCode);
        Assert.Contains("name=\"code\"", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.SeeOther, right.StatusCode);
        Assert.Contains(right.Headers.GetValues("Set-Cookie"), c => c.StartsWith("warden_session=", StringComparison.Ordinal));
        var amr = await factory.InDbAsync(db => db.Sessions.Where(s => s.UserId == user.Id && s.Client == "browser").Select(s => s.Amr).SingleAsync());
        Assert.Equal("pwd hwk mfa", amr);
    }

    [Fact]
    public async Task OnTheReauthenticationPageAPasskeyThatAsksForThePinConfirmsItIsYou()
    {
        var (user, authenticator) = await WithPasskeyAsync();
        var browser = factory.PageClient();
        await browser.SignInThroughPageAsync(user.Email);
        factory.Time.Advance(TimeSpan.FromMinutes(10)); // the registration's proof is stale now
        const string page = "/account/reauthenticate?returnUrl=%2Faccount%2Fsecurity";

        var html = await browser.GetStringAsync(page);
        var token = PageForms.Hidden(html, PageForms.TokenField);
        Assert.Contains("/account/reauthenticate/passkey/options", html, StringComparison.Ordinal);
        authenticator.UserVerified = false;
        var withoutPin = await browser.PostFormAsync("/account/reauthenticate/passkey", token, ("returnUrl", "/account/security"),
            ("credential", authenticator.Get(await OptionsAsync(await browser.PostFormAsync("/account/reauthenticate/passkey/options", token))).ToJsonString()));
        authenticator.UserVerified = true;
        var withPin = await browser.PostFormAsync("/account/reauthenticate/passkey", token, ("returnUrl", "/account/security"),
            ("credential", authenticator.Get(await OptionsAsync(await browser.PostFormAsync("/account/reauthenticate/passkey/options", token))).ToJsonString()));

        Assert.NotEqual(HttpStatusCode.SeeOther, withoutPin.StatusCode);
        Assert.Contains("name=\"password\"", await withoutPin.Content.ReadAsStringAsync(), StringComparison.Ordinal); // asked again
        Assert.Equal(HttpStatusCode.SeeOther, withPin.StatusCode);
        Assert.Equal("/account/security", withPin.Headers.Location!.OriginalString);
        Assert.Contains(withPin.Headers.GetValues("Set-Cookie"), c => c.StartsWith("warden_session=", StringComparison.Ordinal));
    }

    private Task TurnOnEmailCodesAsync(Guid userId) => factory.InDbAsync(async db =>
    {
        db.TwoFactor.Add(new UserTwoFactor { UserId = userId, EmailEnabled = true, PreferredMethod = SecondFactorMethods.Email, UpdatedAt = factory.Time.GetUtcNow() });
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.TwoFactorEnabled, true));
        await db.SaveChangesAsync();
    });

    private static JsonElement JwtPayload(string jwt)
    {
        var part = jwt.Split('.')[1];
        return JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(part)).RootElement;
    }
}
