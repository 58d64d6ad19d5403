using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Security;

namespace Warden.Tests.Infrastructure;

public sealed record TotpUser(string Email, Guid Id, string Secret, IReadOnlyList<string> RecoveryCodes, Tokens Tokens);

/// <summary>Steps of two-factor sign-in, for tests whose subject is something further on (codes from oathtool).</summary>
public static class TwoFactorFlows
{
    /// <summary>
    /// A new, verified user with an authenticator turned on, signed in on <paramref name="client"/>. The clock has
    /// moved past the step of the confirming code, so the next code is good at once.
    /// </summary>
    public static async Task<TotpUser> TotpUserAsync(this WardenFactory factory, HttpClient client, string? username = null)
    {
        var (email, tokens) = await factory.SignedInUserAsync(client, username);
        var signedIn = factory.CreateClientFor(tokens);
        var setup = await (await signedIn.PostAsJsonAsync("/api/v1/users/2fa/totp/setup", new { password = AuthFlows.Password })).ReadJsonAsync();
        var secret = setup.GetProperty("secret").GetString()!;
        var code = await Oathtool.TotpAsync(secret, factory.Time.GetUtcNow());
        var confirmed = await (await signedIn.PostAsJsonAsync("/api/v1/users/2fa/totp/confirm", new { code })).ReadJsonAsync();
        var recovery = confirmed.GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToList();
        factory.Time.Advance(TimeSpan.FromSeconds(30));
        return new TotpUser(email, tokens.User.GetProperty("id").GetGuid(), secret, recovery, tokens);
    }

    /// <summary>A new, verified user with a verified phone on file and SMS codes on (10 recovery codes made), signed in on <paramref name="client"/>.</summary>
    public static async Task<(string Email, string Phone, Tokens Tokens)> SmsUserAsync(this WardenFactory factory, HttpClient client)
    {
        var (email, tokens) = await factory.SignedInUserAsync(client);
        var phone = "+1555" + Random.Shared.Next(1000000, 9999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await factory.InScopeAsync(async services =>
        {
            // Phone verification itself is the profile module's; here the number is simply on file and verified.
            var db = services.GetRequiredService<WardenDbContext>();
            var protector = services.GetRequiredService<SecretProtector>();
            var userId = tokens.User.GetProperty("id").GetGuid();
            await factory.WaitForProfileAsync(userId);
            await db.Profiles.Where(p => p.UserId == userId).ExecuteUpdateAsync(s => s
                .SetProperty(p => p.PhoneNumberProtected, protector.Protect(SecretKind.PhoneNumber, phone))
                .SetProperty(p => p.PhoneVerified, true));
        });

        var signedIn = factory.CreateClientFor(tokens);
        var status = await (await signedIn.PutAsJsonAsync("/api/v1/users/2fa/methods", new { sms = true, preferred = "sms", password = AuthFlows.Password })).ReadJsonAsync();
        Xunit.Assert.Equal(["sms"], status.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Xunit.Assert.Equal(10, status.GetProperty("recoveryCodes").GetArrayLength());
        return (email, phone, tokens);
    }

    /// <summary>The authenticator's code now; the caller moves the clock 30 seconds before asking again.</summary>
    public static Task<string> TotpNowAsync(this WardenFactory factory, TotpUser user) => Oathtool.TotpAsync(user.Secret, factory.Time.GetUtcNow());

    public static Task<HttpResponseMessage> PostSecondFactorAsync(this HttpClient client, string challengeToken, string code) =>
        client.PostAsJsonAsync("/api/v1/auth/2fa/verify", new { challengeToken, code });

    /// <summary>True when the sign-in answer has <paramref name="name"/> set to true (absent and null are false).</summary>
    public static bool Flag(this JsonElement answer, string name) =>
        answer.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;
}
