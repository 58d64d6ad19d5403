using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Authentication.Tokens;
using Warden.Tests.Infrastructure;
using Warden.Tests.Passwords;
using Warden.Tests.Profiles;

namespace Warden.Tests.Authentication;

/// <summary>
/// A link mailed before a password, email or second-factor change dies with that change, in its commit: a
/// mailbox read by someone else (or the address the account just left) must not undo the change.
/// </summary>
public sealed class OutstandingLinkTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private const string NewPassword = "Fresh-Chosen-7319?";

    [Fact]
    public async Task AResetLinkDiesWhenThePasswordIsChanged()
    {
        var user = await factory.SignedInWithProfileAsync();
        var resetToken = await factory.RequestResetTokenAsync(factory.CreateClient(), user.Email);

        Assert.Equal(HttpStatusCode.OK, (await user.Client.ChangeAsync(AuthFlows.Password, NewPassword)).StatusCode);

        await AssertDeadAsync(resetToken);
    }

    [Fact]
    public async Task AResetLinkSentToTheOldAddressDiesWhenTheEmailChanges()
    {
        var user = await factory.SignedInWithProfileAsync();
        var resetToken = await factory.RequestResetTokenAsync(factory.CreateClient(), user.Email);
        var newEmail = AuthFlows.NewEmail("moved");

        Assert.Equal(HttpStatusCode.Accepted,
            (await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/email", new { newEmail, password = AuthFlows.Password })).StatusCode);
        var confirmation = await factory.Mailbox.WaitForAsync(newEmail);
        Assert.Equal(HttpStatusCode.OK,
            (await user.Client.SendJsonAsync(HttpMethod.Post, "/api/v1/users/email/confirm", new { token = confirmation.Token() })).StatusCode);

        await AssertDeadAsync(resetToken);
    }

    [Fact]
    public async Task AResetLinkDiesWhenAnAuthenticatorIsAdded()
    {
        var user = await factory.SignedInWithProfileAsync();
        var resetToken = await factory.RequestResetTokenAsync(factory.CreateClient(), user.Email);

        var setup = await (await user.Client.PostAsJsonAsync("/api/v1/users/2fa/totp/setup", new { password = AuthFlows.Password })).ReadJsonAsync();
        var code = await Oathtool.TotpAsync(setup.GetProperty("secret").GetString()!, factory.Time.GetUtcNow());
        Assert.Equal(HttpStatusCode.OK, (await user.Client.PostAsJsonAsync("/api/v1/users/2fa/totp/confirm", new { code })).StatusCode);

        await AssertDeadAsync(resetToken);
    }

    [Fact]
    public async Task AResetLinkDiesWhenThePhoneNumberIsSet()
    {
        var user = await factory.SignedInWithProfileAsync();
        var resetToken = await factory.RequestResetTokenAsync(factory.CreateClient(), user.Email);

        Assert.Equal(HttpStatusCode.OK,
            (await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/phone", new { phoneNumber = "+4915112345678", password = AuthFlows.Password })).StatusCode);

        await AssertDeadAsync(resetToken);
    }

    [Fact]
    public async Task AnEmailChangeLinkDiesWhenThePasswordIsChanged()
    {
        var user = await factory.SignedInWithProfileAsync();
        var newEmail = AuthFlows.NewEmail("elsewhere");
        Assert.Equal(HttpStatusCode.Accepted,
            (await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/email", new { newEmail, password = AuthFlows.Password })).StatusCode);
        var confirmation = await factory.Mailbox.WaitForAsync(newEmail);

        Assert.Equal(HttpStatusCode.OK, (await user.Client.ChangeAsync(AuthFlows.Password, NewPassword)).StatusCode);

        await (await user.Client.SendJsonAsync(HttpMethod.Post, "/api/v1/users/email/confirm", new { token = confirmation.Token() }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
    }

    [Fact]
    public async Task ASignInChangesNoCredentialAndKillsNoLink()
    {
        // A sign-in rewrites the user row (login count, perhaps a rehash) but changes no credential.
        var user = await factory.SignedInWithProfileAsync();
        var resetToken = await factory.RequestResetTokenAsync(factory.CreateClient(), user.Email);
        await factory.CreateClient().LoginAsync(user.Email);

        Assert.True(await factory.InDbAsync(db => db.AccountTokens.AnyAsync(t =>
            t.UserId == user.Id && t.Purpose == AccountTokenPurpose.PasswordReset && t.ConsumedAt == null)));
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().ResetAsync(resetToken, NewPassword)).StatusCode);
    }

    private async Task AssertDeadAsync(string resetToken) =>
        await (await factory.CreateClient().ResetAsync(resetToken, NewPassword + "x")).AssertProblemAsync(HttpStatusCode.BadRequest, "token_invalid");
}
