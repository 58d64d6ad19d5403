using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Security;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Authentication.TwoFactor;

/// <summary>Authenticator apps and recovery codes end to end, with codes computed by oathtool, not by Warden.</summary>
public sealed class TwoFactorFlowTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private sealed record Enrolled(string Email, string Secret, IReadOnlyList<string> RecoveryCodes, Tokens Tokens);

    private async Task<Enrolled> EnrollAsync(HttpClient client)
    {
        var (email, tokens) = await factory.SignedInUserAsync(client);
        var signedIn = factory.CreateClientFor(tokens);
        var setup = await (await signedIn.PostAsJsonAsync("/api/v1/users/2fa/totp/setup", new { password = AuthFlows.Password })).ReadJsonAsync();
        var secret = setup.GetProperty("secret").GetString()!;
        Assert.StartsWith("otpauth://totp/", setup.GetProperty("otpauthUri").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("data:image/png;base64,", setup.GetProperty("qrCodePng").GetString(), StringComparison.Ordinal);

        var code = await Oathtool.TotpAsync(secret, factory.Time.GetUtcNow());
        var confirmed = await (await signedIn.PostAsJsonAsync("/api/v1/users/2fa/totp/confirm", new { code })).ReadJsonAsync();
        var recovery = confirmed.GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Equal(10, recovery.Count);

        // The confirming code was spent; the next sign-in needs the next time step.
        factory.Time.Advance(TimeSpan.FromSeconds(30));
        return new Enrolled(email, secret, recovery, tokens);
    }

    private static async Task<string> ChallengeAsync(HttpClient client, string email)
    {
        var body = await (await client.PostLoginAsync(email)).ReadJsonAsync();
        Assert.True(body.GetProperty("requires2fa").GetBoolean());
        Assert.False(body.TryGetProperty("accessToken", out _), "no token before the second factor");
        Assert.Contains("totp", body.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        return body.GetProperty("challengeToken").GetString()!;
    }

    [Fact]
    public async Task EnrolWithTheSetupSecretThenSignInWithAnIndependentlyComputedCode()
    {
        var client = factory.CreateClient();
        var enrolled = await EnrollAsync(client);
        var challenge = await ChallengeAsync(client, enrolled.Email);
        var code = await Oathtool.TotpAsync(enrolled.Secret, factory.Time.GetUtcNow());

        var body = await (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = challenge, code })).ReadJsonAsync();
        var tokens = AuthFlows.ReadTokens(body);
        var me = await (await factory.CreateClientFor(tokens).GetAsync("/api/v1/users/me")).ReadJsonAsync();
        Assert.Equal(["totp"], me.GetProperty("twoFactor").EnumerateArray().Select(m => m.GetString()));
        var payload = JwtPayload(tokens.AccessToken);
        Assert.Equal(["pwd", "otp", "mfa"], payload.GetProperty("amr").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task AReplayedTotpCodeIsRefused()
    {
        var client = factory.CreateClient();
        var enrolled = await EnrollAsync(client);
        var code = await Oathtool.TotpAsync(enrolled.Secret, factory.Time.GetUtcNow());
        var first = await ChallengeAsync(client, enrolled.Email);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = first, code })).StatusCode);

        var second = await ChallengeAsync(client, enrolled.Email);
        await (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = second, code }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_code");
    }

    [Fact]
    public async Task ARecoveryCodeWorksOnceAndARaceWithItHasOneWinner()
    {
        var client = factory.CreateClient();
        var enrolled = await EnrollAsync(client);
        var challenge = await ChallengeAsync(client, enrolled.Email);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify",
            new { challengeToken = challenge, code = enrolled.RecoveryCodes[0].ToUpperInvariant() })).StatusCode);

        var again = await ChallengeAsync(client, enrolled.Email);
        await (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = again, code = enrolled.RecoveryCodes[0] }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_code");

        var a = await ChallengeAsync(client, enrolled.Email);
        var b = await ChallengeAsync(client, enrolled.Email);
        var results = await Task.WhenAll(
            factory.CreateClient().PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = a, code = enrolled.RecoveryCodes[1] }),
            factory.CreateClient().PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = b, code = enrolled.RecoveryCodes[1] }));
        Assert.Equal(1, results.Count(r => r.StatusCode == HttpStatusCode.OK));
    }

    [Fact]
    public async Task AChallengeTokenFinishesOneSignInOnly()
    {
        var client = factory.CreateClient();
        var enrolled = await EnrollAsync(client);
        var challenge = await ChallengeAsync(client, enrolled.Email);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = challenge, code = enrolled.RecoveryCodes[2] })).StatusCode);
        await (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = challenge, code = enrolled.RecoveryCodes[3] }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
    }

    [Fact]
    public async Task ForgedExpiredOrForeignChallengesAreRefused()
    {
        var client = factory.CreateClient();
        var alice = await EnrollAsync(client);
        var bob = await EnrollAsync(client);

        await (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = "forged-token-forged-token-forged-token-00", code = "123456" }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");

        // Bob's code against Alice's challenge: the code belongs to another user, so it proves nothing.
        var aliceChallenge = await ChallengeAsync(client, alice.Email);
        await (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = aliceChallenge, code = bob.RecoveryCodes[0] }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_code");

        var late = await ChallengeAsync(client, alice.Email);
        factory.Time.Advance(TimeSpan.FromMinutes(6));
        var code = await Oathtool.TotpAsync(alice.Secret, factory.Time.GetUtcNow());
        await (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = late, code }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
    }

    [Fact]
    public async Task WrongCodesCountTowardsTheLockout()
    {
        var client = factory.CreateClient();
        var enrolled = await EnrollAsync(client);
        for (var i = 0; i < 2; i++)
        {
            var challenge = await ChallengeAsync(client, enrolled.Email);
            await (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = challenge, code = "000000" }))
                .AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_code");
        }

        // Re-entering the right password never resets the count, so codes cannot be guessed that way:
        // three password steps and two wrong codes leave no attempt for a third code, nor another sign-in.
        var last = await ChallengeAsync(client, enrolled.Email);
        await (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = last, code = "000000" }))
            .AssertProblemAsync((HttpStatusCode)423, "account_locked");
        await (await client.PostLoginAsync(enrolled.Email)).AssertProblemAsync((HttpStatusCode)423, "account_locked");
    }

    [Fact]
    public async Task WrongCodesAfterSigningInByUsernameLockTheWholeAccount()
    {
        var client = factory.CreateClient();
        var username = "frank" + Guid.NewGuid().ToString("N")[..6];
        var enrolled = await factory.TotpUserAsync(client, username);

        // Two sign-ins by username and three wrong codes: five attempts on one account, whichever key was used.
        foreach (var codes in new[] { 2, 1 })
        {
            var body = await (await client.PostAsJsonAsync("/api/v1/auth/login", new { username, password = AuthFlows.Password })).ReadJsonAsync();
            for (var i = 0; i < codes; i++)
            {
                await (await client.PostSecondFactorAsync(body.GetProperty("challengeToken").GetString()!, "000000"))
                    .AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_code");
            }
        }

        await (await client.PostLoginAsync(enrolled.Email)).AssertProblemAsync((HttpStatusCode)423, "account_locked");
        await (await client.PostAsJsonAsync("/api/v1/auth/login", new { username, password = AuthFlows.Password }))
            .AssertProblemAsync((HttpStatusCode)423, "account_locked");
    }

    [Fact]
    public async Task APendingSessionIsUselessAndRefreshCannotSkipTheSecondFactor()
    {
        var client = factory.CreateClient();
        var enrolled = await EnrollAsync(client);
        var response = await client.PostLoginAsync(enrolled.Email);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("refreshToken", text, StringComparison.Ordinal);
        Assert.DoesNotContain("accessToken", text, StringComparison.Ordinal);

        await factory.InDbAsync(async db =>
        {
            var userId = enrolled.Tokens.User.GetProperty("id").GetGuid();
            var pending = await db.Sessions.Where(s => s.UserId == userId && s.State != Warden.Server.Authentication.Sessions.SessionState.Active).Select(s => s.Id).ToListAsync();
            Assert.NotEmpty(pending);
            Assert.False(await db.RefreshTokens.AnyAsync(t => pending.Contains(t.SessionId)));

            var sessions = await (await factory.CreateClientFor(enrolled.Tokens.AccessToken).GetAsync("/api/v1/users/sessions")).ReadJsonAsync();
            Assert.DoesNotContain(sessions.EnumerateArray(), s => pending.Contains(s.GetProperty("id").GetGuid()));
        });
    }

    [Fact]
    public async Task FactorsCannotBeRemovedOrReplacedWithoutReauthentication()
    {
        var client = factory.CreateClient();
        var enrolled = await EnrollAsync(client);
        var signedIn = factory.CreateClientFor(enrolled.Tokens);

        using (var bare = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/users/2fa"))
        {
            await (await signedIn.SendAsync(bare)).AssertProblemAsync(HttpStatusCode.BadRequest, "reauthentication_required");
        }

        using (var wrong = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/users/2fa") { Content = JsonContent.Create(new { password = "Wrong-Pass-2024!", code = "123456" }) })
        {
            await (await signedIn.SendAsync(wrong)).AssertProblemAsync(HttpStatusCode.Forbidden, "reauthentication_failed");
        }

        // With an authenticator on, the password alone is no proof (a code is required), nor a code alone.
        await (await signedIn.PostAsJsonAsync("/api/v1/users/2fa/totp/setup", new { password = AuthFlows.Password }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "reauthentication_required");
        await (await signedIn.PostAsJsonAsync("/api/v1/users/2fa/recovery-codes", new { code = "000000" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "reauthentication_required");
        await (await signedIn.PostAsJsonAsync("/api/v1/users/2fa/recovery-codes", new { password = AuthFlows.Password, code = "000000" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "reauthentication_failed");

        var status = await (await signedIn.GetAsync("/api/v1/users/2fa")).ReadJsonAsync();
        Assert.Equal(["totp"], status.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));

        var code = await Oathtool.TotpAsync(enrolled.Secret, factory.Time.GetUtcNow());
        using (var right = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/users/2fa") { Content = JsonContent.Create(new { password = AuthFlows.Password, code }) })
        {
            Assert.Equal(HttpStatusCode.NoContent, (await signedIn.SendAsync(right)).StatusCode);
        }

        Assert.True((await (await client.PostLoginAsync(enrolled.Email)).ReadJsonAsync()).TryGetProperty("accessToken", out _));
    }

    [Fact]
    public async Task RegeneratedRecoveryCodesReplaceTheOldOnes()
    {
        var client = factory.CreateClient();
        var enrolled = await EnrollAsync(client);
        var signedIn = factory.CreateClientFor(enrolled.Tokens);
        var code = await Oathtool.TotpAsync(enrolled.Secret, factory.Time.GetUtcNow());
        var fresh = await (await signedIn.PostAsJsonAsync("/api/v1/users/2fa/recovery-codes", new { password = AuthFlows.Password, code })).ReadJsonAsync();
        var newCodes = fresh.GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToList();

        var challenge = await ChallengeAsync(client, enrolled.Email);
        await (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = challenge, code = enrolled.RecoveryCodes[5] }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_code");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken = challenge, code = newCodes[0] })).StatusCode);
    }

    [Fact]
    public async Task SecretsAndCodesAreStoredProtected()
    {
        var client = factory.CreateClient();
        var enrolled = await EnrollAsync(client);
        await factory.InScopeAsync(async services =>
        {
            var db = services.GetRequiredService<WardenDbContext>();
            var userId = enrolled.Tokens.User.GetProperty("id").GetGuid();
            var row = await db.TwoFactor.SingleAsync(t => t.UserId == userId);
            Assert.DoesNotContain(enrolled.Secret, row.TotpSecretProtected!, StringComparison.Ordinal);
            Assert.Equal(enrolled.Secret, services.GetRequiredService<SecretProtector>().Unprotect(SecretKind.TotpSecret, row.TotpSecretProtected!));
            var hashes = await db.RecoveryCodes.Where(c => c.UserId == userId).Select(c => c.CodeHash).ToListAsync();
            Assert.Equal(10, hashes.Count);
            Assert.DoesNotContain(hashes, h => enrolled.RecoveryCodes.Any(c => h.Contains(c.Replace("-", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase)));
        });
    }

    [Fact]
    public async Task AnAdministratorCanResetAUsersSecondFactorsAndAPlainUserCannot()
    {
        var client = factory.CreateClient();
        var enrolled = await EnrollAsync(client);
        var userId = enrolled.Tokens.User.GetProperty("id").GetGuid();
        var (_, other) = await factory.SignedInUserAsync(client);

        await (await factory.CreateClientFor(other).DeleteAsync($"/api/v1/admin/users/{userId}/2fa")).AssertProblemAsync(HttpStatusCode.Forbidden);

        var admin = await factory.AdminClientAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.DeleteAsync($"/api/v1/admin/users/{userId}/2fa")).StatusCode);

        var login = await (await client.PostLoginAsync(enrolled.Email)).ReadJsonAsync();
        Assert.True(login.TryGetProperty("accessToken", out _));
        Assert.Empty(login.GetProperty("user").GetProperty("twoFactor").EnumerateArray());
    }

    internal static JsonElement JwtPayload(string jwt)
    {
        var part = jwt.Split('.')[1];
        return JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(part)).RootElement;
    }
}
