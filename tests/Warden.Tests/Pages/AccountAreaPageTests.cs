using System.Net;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Sessions;
using Warden.Server.Pages;
using Warden.Server.Users;
using Warden.Tests.Infrastructure;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Pages;

/// <summary>
/// The signed-in area without a browser: sensitive changes only after a re-authentication on the session (which reissues
/// the cookie), per-object authorization of the session forms, and each page on the API's own use case.
/// </summary>
[SqliteOnly]
public sealed class AccountAreaPageTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private const string NewPassword = "Another-Chosen-5521?";

    [Theory]
    [InlineData("/account/password")]
    [InlineData("/account/email")]
    [InlineData("/account/delete")]
    public async Task ASensitivePageAsksForARecentReauthenticationFirst(string path)
    {
        var (client, _, _) = await SignedInBrowserAsync();

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/account/reauthenticate?returnUrl=" + Uri.EscapeDataString(path), response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task ASensitiveFormPostedWithoutARecentReauthenticationChangesNothing()
    {
        var (client, email, _) = await SignedInBrowserAsync();
        var token = await client.FormTokenAsync("/account/security");

        var setup = await client.PostFormAsync("/account/security/totp/setup", token);
        var delete = await client.PostFormAsync("/account/delete", token, ("confirmation", email));
        var password = await client.PostFormAsync("/account/password", token, ("newPassword", NewPassword));

        Assert.All([setup, delete, password], r => Assert.Equal(HttpStatusCode.SeeOther, r.StatusCode));
        Assert.StartsWith("/account/reauthenticate?returnUrl=", delete.Headers.Location?.OriginalString, StringComparison.Ordinal);
        var user = await factory.InDbAsync(db => db.Users.SingleAsync(u => u.Email == email));
        Assert.Equal(UserStatus.Active, user.Status);
        Assert.False(await factory.InDbAsync(db => db.TwoFactor.AnyAsync(t => t.UserId == user.Id && t.PendingTotpSecretProtected != null)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await factory.PageClient().SignInThroughPageAsync(email, NewPassword)).StatusCode);
    }

    [Fact]
    public async Task ReauthenticatingStampsTheSessionReissuesTheCookieAndGoesBack()
    {
        var (client, email, oldCookie) = await SignedInBrowserAsync();
        var token = await client.FormTokenAsync("/account/reauthenticate?returnUrl=%2Faccount%2Fpassword");

        var wrong = await client.PostFormAsync("/account/reauthenticate", token, ("password", "not-my-password"), ("returnUrl", "/account/password"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrong.StatusCode);
        Assert.False(wrong.Headers.Contains("Set-Cookie") && wrong.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith(AccountSession.PlainName, StringComparison.Ordinal)));

        var right = await client.PostFormAsync("/account/reauthenticate", token, ("password", AuthFlows.Password), ("returnUrl", "/account/password"));

        Assert.Equal(HttpStatusCode.SeeOther, right.StatusCode);
        Assert.Equal("/account/password", right.Headers.Location?.OriginalString);
        var newCookie = SessionCookie(right);
        Assert.NotEqual(oldCookie, newCookie);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/password")).StatusCode);
        var session = await factory.InDbAsync(db => db.Sessions.SingleAsync(s => s.User!.Email == email && s.Client == SessionClients.Browser));
        Assert.NotNull(session.ReauthenticatedAt);
        Assert.Null(session.RevokedAt);
        Assert.Equal(HttpStatusCode.SeeOther, (await WithCookie(oldCookie).GetAsync("/account")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await WithCookie(newCookie).GetAsync("/account")).StatusCode);
    }

    [Theory]
    [InlineData("https://evil.example/", "/account")]
    [InlineData("/account/sessions", "/account/sessions")]
    [InlineData("/elsewhere", "/account")]
    public async Task ReauthenticationGoesBackOnlyToAnAccountPage(string returnUrl, string expected)
    {
        var (client, _, _) = await SignedInBrowserAsync();
        var token = await client.FormTokenAsync("/account/reauthenticate");

        var response = await client.PostFormAsync("/account/reauthenticate", token, ("password", AuthFlows.Password), ("returnUrl", returnUrl));

        Assert.Equal(expected, response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task OnePersonCannotEndAnotherPersonsSessionThroughTheForm()
    {
        var (victim, victimEmail, _) = await SignedInBrowserAsync();
        var victimSession = await factory.InDbAsync(db => db.Sessions.Where(s => s.User!.Email == victimEmail && s.Client == SessionClients.Browser).Select(s => s.Id).SingleAsync());
        var (attacker, _, _) = await SignedInBrowserAsync();
        var token = await attacker.FormTokenAsync("/account/sessions");

        var response = await attacker.PostFormAsync("/account/sessions/revoke", token, ("id", victimSession.ToString()));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await victim.GetAsync("/account")).StatusCode);
    }

    [Fact]
    public async Task TheSessionsPageMarksThisBrowserAndEndsAnotherSessionOrAllOthers()
    {
        var (client, email, _) = await SignedInBrowserAsync();
        var mine = await factory.InDbAsync(db => db.Sessions.Where(s => s.User!.Email == email && s.Client == SessionClients.Browser).Select(s => s.Id).SingleAsync());
        var other = factory.PageClient();
        await other.SignInThroughPageAsync(email);
        var api = factory.CreateClientFor(await factory.CreateClient().LoginAsync(email));

        var page = await client.GetStringAsync("/account/sessions");
        Assert.Contains("This browser", page, StringComparison.Ordinal);
        var otherId = await factory.InDbAsync(db => db.Sessions.Where(s => s.User!.Email == email && s.Client == SessionClients.Browser && s.Id != mine)
            .Select(s => s.Id).SingleAsync());
        var token = await client.FormTokenAsync("/account/sessions");

        var one = await client.PostFormAsync("/account/sessions/revoke", token, ("id", otherId.ToString()));
        Assert.Equal("/account/sessions?done=revoked", one.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.SeeOther, (await other.GetAsync("/account")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/users/me")).StatusCode);

        await client.PostFormAsync("/account/sessions/revoke-others", token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/users/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account")).StatusCode);
    }

    [Fact]
    public async Task ChangingThePasswordOnThePageEndsEveryOtherSession()
    {
        var (client, email, _) = await SignedInBrowserAsync();
        var api = factory.CreateClientFor(await factory.CreateClient().LoginAsync(email));
        await ReauthenticateAsync(client);
        var token = await client.FormTokenAsync("/account/password");

        var weak = await client.PostFormAsync("/account/password", token, ("newPassword", "password"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, weak.StatusCode);
        Assert.Contains("aria-invalid=\"true\"", await weak.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var changed = await client.PostFormAsync("/account/password", token, ("newPassword", NewPassword));

        Assert.Equal("/account/security?done=password", changed.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/users/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/security?done=password")).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await factory.PageClient().SignInThroughPageAsync(email, NewPassword)).StatusCode);
    }

    [Fact]
    public async Task AnEmailChangeIsRequestedOnThePageAndConfirmedFromTheLinkByItsPost()
    {
        var (client, email, _) = await SignedInBrowserAsync();
        var newEmail = AuthFlows.NewEmail("moved");
        await ReauthenticateAsync(client);
        var token = await client.FormTokenAsync("/account/email");

        var request = await client.PostFormAsync("/account/email", token, ("newEmail", newEmail));
        Assert.Equal(HttpStatusCode.OK, request.StatusCode);
        var link = new Uri((await factory.Mailbox.WaitForAsync(newEmail)).Link("/account/confirm-email-change"));

        var anonymous = await factory.PageClient().GetAsync(link.PathAndQuery);
        Assert.StartsWith("/account/login?returnUrl=", anonymous.Headers.Location?.OriginalString, StringComparison.Ordinal);
        var shown = await client.GetStringAsync(link.PathAndQuery);
        Assert.Equal(email, await factory.InDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Email).SingleAsync()));
        var confirm = await client.PostFormAsync("/account/confirm-email-change", await client.FormTokenAsync(link.PathAndQuery), ("token", PageForms.Hidden(shown, "token")!));

        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.True(await factory.InDbAsync(db => db.Users.AnyAsync(u => u.Email == newEmail)));
        var again = await client.PostFormAsync("/account/confirm-email-change", await client.FormTokenAsync(link.PathAndQuery), ("token", PageForms.Hidden(shown, "token")!));
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("This link no longer works", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MyDataDownloadsAsTheApisJsonExport()
    {
        var (client, email, _) = await SignedInBrowserAsync();
        var token = await client.FormTokenAsync("/account");

        var response = await client.PostFormAsync("/account/export", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("warden-export-", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        Assert.Contains(email, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeletingTheAccountNeedsTheEmailTypedOutThenErasesItAndSignsOut()
    {
        var (client, email, _) = await SignedInBrowserAsync();
        await ReauthenticateAsync(client);
        var token = await client.FormTokenAsync("/account/delete");

        var mistyped = await client.PostFormAsync("/account/delete", token, ("confirmation", "someone.else@example.com"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, mistyped.StatusCode);
        Assert.True(await factory.InDbAsync(db => db.Users.AnyAsync(u => u.Email == email && u.Status == UserStatus.Active)));

        var deleted = await client.PostFormAsync("/account/delete", token, ("confirmation", email.ToUpperInvariant()));

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Contains("Your account is deleted", await deleted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(await factory.InDbAsync(db => db.Users.AnyAsync(u => u.Email == email && u.Status == UserStatus.Active)));
        Assert.Equal(HttpStatusCode.SeeOther, (await client.GetAsync("/account")).StatusCode);
    }

    [Fact]
    public async Task APhoneNumberIsProvedWithTheTextedCodeThenTurnsOnTextMessageCodesWithRecoveryCodes()
    {
        var (client, _, _) = await SignedInBrowserAsync();
        var phone = "+1555" + Random.Shared.Next(1000000, 9999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await ReauthenticateAsync(client);
        var token = await client.FormTokenAsync("/account/phone");

        var bad = await client.PostFormAsync("/account/phone", token, ("phoneNumber", "0151 not a number"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        var set = await client.PostFormAsync("/account/phone", token, ("phoneNumber", phone));
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var verified = await client.PostFormAsync("/account/phone/verify", token, ("code", (await factory.Sms.WaitForAsync(phone)).Code()));
        Assert.Equal("/account/security?done=phone", verified.Headers.Location?.OriginalString);

        var on = await client.PostFormAsync("/account/security/sms", token, ("on", "true"));

        Assert.Equal(HttpStatusCode.OK, on.StatusCode);
        Assert.Contains("Your recovery codes", await on.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("Turn text-message codes off", await client.GetStringAsync("/account/security"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheRecoveryCodeDownloadWritesOnlyRecoveryCodes()
    {
        var (client, _, _) = await SignedInBrowserAsync();
        var token = await client.FormTokenAsync("/account/security");

        var response = await client.PostFormAsync("/account/security/recovery-codes/download", token, ("codes", "abcde-fghjk <script>alert(1)</script> 12345-67890"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("abcde-fghjk\r\n12345-67890", text, StringComparison.Ordinal);
        Assert.DoesNotContain("script", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheProfilePageShowsTheApisFieldErrorBesideItsFieldAndChangesNothing()
    {
        var (client, email, _) = await SignedInBrowserAsync();
        var api = factory.CreateClientFor(await factory.CreateClient().LoginAsync(email));
        var before = await (await api.GetAsync("/api/v1/users/profile")).ReadJsonAsync();
        var token = await client.FormTokenAsync("/account/profile");

        var response = await client.PostFormAsync("/account/profile", token, ("fullName", "Ada Lovelace"), ("timezone", "Mars/Olympus_Mons"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<p class=\"field-error\" id=\"timezone-error\">Must be an IANA time zone such as Europe/Berlin.</p>", html, StringComparison.Ordinal);
        Assert.Contains("value=\"Ada Lovelace\"", html, StringComparison.Ordinal);
        var after = await (await api.GetAsync("/api/v1/users/profile")).ReadJsonAsync();
        Assert.Equal(before.ToString(), after.ToString());
        Assert.NotEqual("Ada Lovelace", after.GetProperty("fullName").GetString());
    }

    [Fact]
    public async Task TheProfilePageSavesThroughTheApisUseCaseOnlyOnTheSignedInPersonsProfile()
    {
        var (client, email, _) = await SignedInBrowserAsync();
        var (_, otherTokens) = await factory.SignedInUserAsync();
        var api = factory.CreateClientFor(await factory.CreateClient().LoginAsync(email));
        var otherBefore = await (await factory.CreateClientFor(otherTokens).GetAsync("/api/v1/users/profile")).ReadJsonAsync();
        var token = await client.FormTokenAsync("/account/profile");

        var response = await client.PostFormAsync("/account/profile", token, ("fullName", "Ada Lovelace"), ("firstName", "Ada"), ("lastName", ""),
            ("bio", "Analyst.\nEngine notes."), ("timezone", "Europe/London"), ("locale", "en-gb"), ("userId", otherTokens.User.GetProperty("id").GetString()!));

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/account/profile?done=saved", response.Headers.Location?.OriginalString);
        var profile = await (await api.GetAsync("/api/v1/users/profile")).ReadJsonAsync();
        Assert.Equal("Ada Lovelace", profile.GetProperty("fullName").GetString());
        Assert.Equal("Ada", profile.GetProperty("firstName").GetString());
        Assert.Equal("Analyst.\nEngine notes.", profile.GetProperty("bio").GetString());
        Assert.Equal("Europe/London", profile.GetProperty("timezone").GetString());
        Assert.Equal("en-GB", profile.GetProperty("locale").GetString());
        Assert.Contains("Your profile is saved.", await client.GetStringAsync("/account/profile?done=saved"), StringComparison.Ordinal);
        var other = await (await factory.CreateClientFor(otherTokens).GetAsync("/api/v1/users/profile")).ReadJsonAsync();
        Assert.Equal(otherBefore.ToString(), other.ToString());
    }

    [Fact]
    public async Task AnAvatarUploadedOnTheProfilePageIsTheApisAvatarAndIsPreviewed()
    {
        var (client, email, _) = await SignedInBrowserAsync();
        var api = factory.CreateClientFor(await factory.CreateClient().LoginAsync(email));
        var token = await client.FormTokenAsync("/account/profile");

        var notAnImage = await client.PostAsync("/account/profile/avatar", AvatarForm(token, "<svg onload=alert(1)>"u8.ToArray()));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, notAnImage.StatusCode);
        Assert.Contains("The body is not a PNG, JPEG or WebP image.", await notAnImage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await (await api.GetAsync("/api/v1/users/profile")).ReadJsonAsync()).GetProperty("avatarUrl").ValueKind);

        var withoutToken = await client.PostAsync("/account/profile/avatar", AvatarForm(null, Png));
        Assert.Equal(HttpStatusCode.BadRequest, withoutToken.StatusCode);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await (await api.GetAsync("/api/v1/users/profile")).ReadJsonAsync()).GetProperty("avatarUrl").ValueKind);

        // As in the API's avatar tests: once the registration's default profile exists (an upload racing its insert answers "upload again").
        await factory.EventuallyInDbAsync(db => db.Profiles.AnyAsync(p => p.User!.Email == email), "the default profile is created");
        var uploaded = await client.PostAsync("/account/profile/avatar", AvatarForm(token, Png));

        Assert.True(uploaded.StatusCode == HttpStatusCode.SeeOther, $"{uploaded.StatusCode}: {await uploaded.Content.ReadAsStringAsync()}");
        Assert.Equal("/account/profile?done=avatar", uploaded.Headers.Location?.OriginalString);
        var url = (await (await api.GetAsync("/api/v1/users/profile")).ReadJsonAsync()).GetProperty("avatarUrl").GetString()!;
        Assert.Matches("/avatars/[0-9a-f]{64}\\.png$", url);
        Assert.Contains($"<img class=\"avatar\" src=\"{new Uri(url).AbsolutePath}\"", await client.GetStringAsync("/account/profile"), StringComparison.Ordinal);
        Assert.Equal(Png, await client.GetByteArrayAsync(new Uri(url).AbsolutePath));
    }

    [Fact]
    public async Task TheNotificationsPageSavesThroughTheSettingsUseCaseAndRefusesWhatItRefuses()
    {
        var (client, email, _) = await SignedInBrowserAsync();
        var (_, otherTokens) = await factory.SignedInUserAsync();
        var api = factory.CreateClientFor(await factory.CreateClient().LoginAsync(email));
        var token = await client.FormTokenAsync("/account/notifications");

        var refused = await client.PostFormAsync("/account/notifications", token, ("marketing", "true"), ("theme", "neon"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("Must be one of: system, light, dark.", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False((await (await api.GetAsync("/api/v1/users/settings")).ReadJsonAsync()).GetProperty("notifications").GetProperty("marketing").GetBoolean());

        // "account" left unticked: the box posts nothing, which turns those notices off.
        var saved = await client.PostFormAsync("/account/notifications", token, ("marketing", "true"), ("theme", "dark"));

        Assert.Equal("/account/notifications?done=saved", saved.Headers.Location?.OriginalString);
        var settings = await (await api.GetAsync("/api/v1/users/settings")).ReadJsonAsync();
        Assert.False(settings.GetProperty("notifications").GetProperty("account").GetBoolean());
        Assert.True(settings.GetProperty("notifications").GetProperty("marketing").GetBoolean());
        Assert.True(settings.GetProperty("notifications").GetProperty("security").GetBoolean());
        Assert.Equal("dark", settings.GetProperty("theme").GetString());
        var page = await client.GetStringAsync("/account/notifications");
        Assert.Contains("id=\"marketing\" name=\"marketing\" type=\"checkbox\" value=\"true\" checked", page, StringComparison.Ordinal);
        var other = await (await factory.CreateClientFor(otherTokens).GetAsync("/api/v1/users/settings")).ReadJsonAsync();
        Assert.True(other.GetProperty("notifications").GetProperty("account").GetBoolean());
        Assert.Equal("system", other.GetProperty("theme").GetString());
    }

    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private static MultipartFormDataContent AvatarForm(string? token, byte[] image)
    {
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
        var form = new MultipartFormDataContent { { file, "avatar", "me.png" } };
        if (token is not null)
        {
            form.Add(new StringContent(token), PageForms.TokenField);
        }

        return form;
    }

    [Fact]
    public async Task TheOverviewsChecklistSaysWhatIsMissingAndWhatIsDone()
    {
        var (fresh, _, _) = await SignedInBrowserAsync();
        var overview = await fresh.GetStringAsync("/account");
        Assert.Contains("Your email address is confirmed.", overview, StringComparison.Ordinal);
        Assert.Contains("Turn on two-step sign-in", overview, StringComparison.Ordinal);
        Assert.Contains("Password last changed on", overview, StringComparison.Ordinal);

        // An account with an authenticator whose recovery codes have mostly been used.
        var user = await factory.TotpUserAsync(factory.CreateClient());
        var client = factory.PageClient();
        var step = await (await client.SignInThroughPageAsync(user.Email)).Content.ReadAsStringAsync();
        var signedIn = await client.PostFormAsync("/account/login/second-factor", PageForms.Hidden(step, PageForms.TokenField),
            ("challengeToken", PageForms.Hidden(step, "challengeToken")!), ("code", await factory.TotpNowAsync(user)));
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        var used = factory.Time.GetUtcNow();
        await factory.InDbAsync(db => db.RecoveryCodes.Where(c => c.UserId == user.Id).OrderBy(c => c.Id).Take(user.RecoveryCodes.Count - 2)
            .ExecuteUpdateAsync(c => c.SetProperty(x => x.UsedAt, used)));

        overview = await client.GetStringAsync("/account");
        Assert.Contains("Two-step sign-in is on (authenticator app).", overview, StringComparison.Ordinal);
        Assert.Contains("Only 2 recovery codes are left", overview, StringComparison.Ordinal);
        Assert.DoesNotContain("Turn on two-step sign-in", overview, StringComparison.Ordinal);
    }

    private async Task<(HttpClient Client, string Email, string Cookie)> SignedInBrowserAsync()
    {
        var (email, _) = await factory.SignedInUserAsync();
        // A person reaches these pages well after registering; the default profile (made by the user.registered
        // handler) exists by then, and the phone and profile forms write to it.
        await factory.WaitForProfileAsync(await factory.InDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync()));
        var client = factory.PageClient();
        var signIn = await client.SignInThroughPageAsync(email);
        return (client, email, SessionCookie(signIn));
    }

    private static async Task ReauthenticateAsync(HttpClient client)
    {
        var token = await client.FormTokenAsync("/account/reauthenticate");
        var response = await client.PostFormAsync("/account/reauthenticate", token, ("password", AuthFlows.Password));
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
    }

    private static string SessionCookie(HttpResponseMessage response) =>
        response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(AccountSession.PlainName + "=", StringComparison.Ordinal)).Split(';')[0];

    private HttpClient WithCookie(string cookie)
    {
        var client = factory.PageClient();
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        return client;
    }
}
