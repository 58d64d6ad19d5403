using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Security;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authentication.TwoFactor;

/// <summary>The source documents' SMS path: a verified phone, a code sent the moment the password is accepted.</summary>
public sealed class SmsCodeTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private Task<(string Email, string Phone, Tokens Tokens)> UserWithSmsAsync(HttpClient client) => factory.SmsUserAsync(client);

    [Fact]
    public async Task TheCodeIsTextedAsSoonAsThePasswordIsAcceptedAndFinishesTheSignIn()
    {
        var client = factory.CreateClient();
        var (email, phone, _) = await UserWithSmsAsync(client);
        var login = await (await client.PostLoginAsync(email)).ReadJsonAsync();
        var challenge = login.GetProperty("challengeToken").GetString()!;

        var sms = await factory.Sms.WaitForAsync(phone);
        var code = sms.Code();
        var tokens = AuthFlows.ReadTokens(await (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = challenge, code })).ReadJsonAsync());
        var amr = TwoFactorFlowTests.JwtPayload(tokens.AccessToken).GetProperty("amr").EnumerateArray().Select(a => a.GetString());
        Assert.Equal(["pwd", "sms", "mfa"], amr);
    }

    [Fact]
    public async Task AnExpiredSmsCodeIsRefused()
    {
        var client = factory.CreateClient();
        var (email, phone, _) = await UserWithSmsAsync(client);
        var challenge = (await (await client.PostLoginAsync(email)).ReadJsonAsync()).GetProperty("challengeToken").GetString()!;
        var code = (await factory.Sms.WaitForAsync(phone)).Code();
        factory.Time.Advance(TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(50));
        var verify = await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = challenge, code });
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode); // still inside 5 minutes

        var second = (await (await client.PostLoginAsync(email)).ReadJsonAsync()).GetProperty("challengeToken").GetString()!;
        var secondCode = (await factory.Sms.WaitForAsync(phone, number: 2)).Code();
        factory.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        await (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = second, code = secondCode }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ACodeDiesAfterFiveWrongTries()
    {
        var client = factory.CreateClient();
        var (email, phone, _) = await UserWithSmsAsync(client);
        var challenge = (await (await client.PostLoginAsync(email)).ReadJsonAsync()).GetProperty("challengeToken").GetString()!;
        var code = (await factory.Sms.WaitForAsync(phone)).Code();
        var wrong = code == "000000" ? "111111" : "000000";
        for (var i = 0; i < 5; i++)
        {
            await factory.ClearLockoutAsync(email);
            await (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = challenge, code = wrong }))
                .AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_code");
        }

        // The code is spent (Warden:TwoFactor:MaxCodeAttempts) and so is the challenge that held it
        // (Warden:Authentication:MaxChallengeAttempts, also 5): the right code finishes nothing.
        await factory.ClearLockoutAsync(email);
        await (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = challenge, code }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ResendIsThrottledAndSendsAFreshCode()
    {
        var client = factory.CreateClient();
        var (email, phone, _) = await UserWithSmsAsync(client);
        var challenge = (await (await client.PostLoginAsync(email)).ReadJsonAsync()).GetProperty("challengeToken").GetString()!;
        var first = (await factory.Sms.WaitForAsync(phone)).Code();

        await (await client.PostAsJsonAsync("/api/v1/auth/2fa/send", new { challengeToken = challenge, method = "sms" }))
            .AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        factory.Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/v1/auth/2fa/send", new { challengeToken = challenge, method = "sms" })).StatusCode);
        var second = (await factory.Sms.WaitForAsync(phone, number: 2)).Code();

        if (first != second)
        {
            await (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = challenge, code = first }))
                .AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_code");
        }

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = challenge, code = second })).StatusCode);
    }

    [Fact]
    public async Task EmailCodesAreOffUnlessConfigured()
    {
        var client = factory.CreateClient();
        var (_, tokens) = await factory.SignedInUserAsync(client);
        var signedIn = factory.CreateClientFor(tokens);
        await (await signedIn.PutAsJsonAsync("/api/v1/users/2fa/methods", new { email = true }))
            .AssertProblemAsync(HttpStatusCode.Conflict, "method_unavailable");
        await (await signedIn.PutAsJsonAsync("/api/v1/users/2fa/methods", new { sms = true }))
            .AssertProblemAsync(HttpStatusCode.Conflict, "method_unavailable");
    }

    [Fact]
    public async Task TurningSmsOffNeedsReauthentication()
    {
        var client = factory.CreateClient();
        var (_, _, tokens) = await UserWithSmsAsync(client);
        var signedIn = factory.CreateClientFor(tokens);
        await (await signedIn.PutAsJsonAsync("/api/v1/users/2fa/methods", new { sms = false }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "reauthentication_required");
        var off = await (await signedIn.PutAsJsonAsync("/api/v1/users/2fa/methods", new { sms = false, password = AuthFlows.Password })).ReadJsonAsync();
        Assert.Empty(off.GetProperty("methods").EnumerateArray());
    }
}
