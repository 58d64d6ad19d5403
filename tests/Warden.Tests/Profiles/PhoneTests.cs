using System.Net;
using Microsoft.EntityFrameworkCore;
using Warden.Server.Events;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Profiles;

public sealed class PhoneTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private static int _next = 1000;

    private static string NewNumber() => $"+49151{Interlocked.Increment(ref _next):D7}";

    [Fact]
    public async Task NumberIsStoredEncryptedAndUnverifiedUntilTheTextedCodeIsEntered()
    {
        var user = await factory.SignedInWithProfileAsync();
        var number = NewNumber();
        var profile = await (await PutPhoneAsync(user, new { phoneNumber = number, password = AuthFlows.Password })).ReadJsonAsync();
        Assert.Equal(number, profile.GetProperty("phoneNumber").GetString());
        Assert.False(profile.GetProperty("phoneVerified").GetBoolean());

        var sms = await factory.Sms.WaitForAsync(number);
        var code = sms.Code(@"\b(\d{6})\b");

        // At rest: no plain number, no plain code, anywhere the request or the handler wrote.
        var row = await factory.InDbAsync(db => db.Profiles.AsNoTracking().SingleAsync(p => p.UserId == user.Id));
        Assert.DoesNotContain(number[1..], row.PhoneNumberProtected!, StringComparison.Ordinal);
        var verification = await factory.InDbAsync(db => db.PhoneVerifications.AsNoTracking().SingleAsync(v => v.UserId == user.Id));
        Assert.Equal(64, verification.CodeHash!.Length);
        Assert.DoesNotContain(code, verification.CodeHash, StringComparison.Ordinal);
        var events = await factory.InDbAsync(db => db.OutboxMessages.Where(m => m.Subject == user.Id).Select(m => m.Data).ToListAsync());
        Assert.All(events, data => Assert.DoesNotContain(code, data, StringComparison.Ordinal));
        Assert.All(events, data => Assert.DoesNotContain(number[1..], data, StringComparison.Ordinal));

        var verified = await (await VerifyAsync(user, code)).ReadJsonAsync();
        Assert.True(verified.GetProperty("phoneVerified").GetBoolean());
        Assert.True((await user.Client.GetProfileAsync()).GetProperty("phoneVerified").GetBoolean());
        Assert.True(await factory.InDbAsync(db => db.OutboxMessages.AnyAsync(m => m.Subject == user.Id && m.Type == EventTypes.PhoneVerified)));

        // The code is single-use.
        await (await VerifyAsync(user, code)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_code");
    }

    [Fact]
    public async Task FiveWrongCodesSpendTheCode()
    {
        var user = await factory.SignedInWithProfileAsync();
        var number = NewNumber();
        await (await PutPhoneAsync(user, new { phoneNumber = number, password = AuthFlows.Password })).ReadJsonAsync();
        var code = (await factory.Sms.WaitForAsync(number)).Code(@"\b(\d{6})\b");
        var wrong = code == "000000" ? "111111" : "000000";
        for (var i = 0; i < 5; i++)
        {
            await (await VerifyAsync(user, wrong)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_code");
        }

        await (await VerifyAsync(user, code)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_code");
        Assert.False((await user.Client.GetProfileAsync()).GetProperty("phoneVerified").GetBoolean());
    }

    [Fact]
    public async Task ParallelGuessesCannotExceedTheAttemptLimit()
    {
        var user = await factory.SignedInWithProfileAsync();
        var number = NewNumber();
        await (await PutPhoneAsync(user, new { phoneNumber = number, password = AuthFlows.Password })).ReadJsonAsync();
        var code = (await factory.Sms.WaitForAsync(number)).Code(@"\b(\d{6})\b");
        var guesses = Enumerable.Range(0, 20).Select(i => i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).Where(g => g != code).Take(15);
        await Task.WhenAll(guesses.Select(g => VerifyAsync(user, g)));
        var attempts = await factory.InDbAsync(db => db.PhoneVerifications.Where(v => v.UserId == user.Id).Select(v => v.Attempts).SingleAsync());
        Assert.Equal(5, attempts);
        await (await VerifyAsync(user, code)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_code");
    }

    [Fact]
    public async Task CodesExpireAfterFiveMinutes()
    {
        var user = await factory.SignedInWithProfileAsync();
        var number = NewNumber();
        await (await PutPhoneAsync(user, new { phoneNumber = number, password = AuthFlows.Password })).ReadJsonAsync();
        var code = (await factory.Sms.WaitForAsync(number)).Code(@"\b(\d{6})\b");
        factory.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        try
        {
            await (await VerifyAsync(user, code)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_code");
        }
        finally
        {
            factory.Time.Advance(-(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1)));
        }
    }

    [Fact]
    public async Task ANewNumberVoidsTheCodeSentToTheOldOne()
    {
        var user = await factory.SignedInWithProfileAsync();
        var (first, second) = (NewNumber(), NewNumber());
        await (await PutPhoneAsync(user, new { phoneNumber = first, password = AuthFlows.Password })).ReadJsonAsync();
        var firstCode = (await factory.Sms.WaitForAsync(first)).Code(@"\b(\d{6})\b");
        await (await PutPhoneAsync(user, new { phoneNumber = second, password = AuthFlows.Password })).ReadJsonAsync();
        var secondCode = (await factory.Sms.WaitForAsync(second)).Code(@"\b(\d{6})\b");

        if (firstCode != secondCode)
        {
            await (await VerifyAsync(user, firstCode)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_code");
        }

        var verified = await (await VerifyAsync(user, secondCode)).ReadJsonAsync();
        Assert.Equal(second, verified.GetProperty("phoneNumber").GetString());
        Assert.True(verified.GetProperty("phoneVerified").GetBoolean());

        // Removing the number clears the verification too.
        var removed = await (await PutPhoneAsync(user, new { phoneNumber = (string?)null, password = AuthFlows.Password })).ReadJsonAsync();
        Assert.Equal(System.Text.Json.JsonValueKind.Null, removed.GetProperty("phoneNumber").ValueKind);
        Assert.False(removed.GetProperty("phoneVerified").GetBoolean());
    }

    [Theory]
    [InlineData("015112345678")]
    [InlineData("+0151123456")]
    [InlineData("+49 151 1234567")]
    [InlineData("+1234567890123456")]
    [InlineData("+12345")]
    [InlineData("tel:+4915112345678")]
    [InlineData("+４９151123456")]
    public async Task NumbersThatAreNotE164AreRefused(string number)
    {
        var user = await factory.SignedInWithProfileAsync();
        await (await PutPhoneAsync(user, new { phoneNumber = number, password = AuthFlows.Password })).AssertValidationAsync("phoneNumber");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await user.Client.GetProfileAsync()).GetProperty("phoneNumber").ValueKind);
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("abcdef")]
    [InlineData("")]
    public async Task MalformedCodesAreRefusedWithoutCountingAsGuesses(string code)
    {
        var user = await factory.SignedInWithProfileAsync();
        await (await VerifyAsync(user, code)).AssertValidationAsync("code");
    }

    [Fact]
    public async Task CodesPerHourAreCapped()
    {
        var user = await factory.SignedInWithProfileAsync();
        for (var i = 0; i < 5; i++)
        {
            await (await PutPhoneAsync(user, new { phoneNumber = NewNumber(), password = AuthFlows.Password })).ReadJsonAsync();
        }

        await (await PutPhoneAsync(user, new { phoneNumber = NewNumber(), password = AuthFlows.Password })).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task SettingTheNumberNeedsThePasswordEvenWithTwoFactorOff()
    {
        // A stolen access token must not point the account's codes at the thief's phone.
        var user = await factory.SignedInWithProfileAsync();
        var number = NewNumber();

        await (await PutPhoneAsync(user, new { phoneNumber = number })).AssertProblemAsync(HttpStatusCode.BadRequest, "reauthentication_required");
        await (await PutPhoneAsync(user, new { phoneNumber = number, password = "Wrong-Pass-2024!" })).AssertProblemAsync(HttpStatusCode.Forbidden, "reauthentication_failed");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await user.Client.GetProfileAsync()).GetProperty("phoneNumber").ValueKind);
        await (await PutPhoneAsync(user, new { phoneNumber = number, password = AuthFlows.Password })).ReadJsonAsync();
    }

    [Fact]
    public async Task ChangingTheNumberEmitsProfileUpdatedWithoutTheNumber()
    {
        var user = await factory.SignedInWithProfileAsync();
        var number = NewNumber();
        await (await PutPhoneAsync(user, new { phoneNumber = number, password = AuthFlows.Password })).ReadJsonAsync();
        var data = await factory.InDbAsync(db => db.OutboxMessages.Where(m => m.Subject == user.Id && m.Type == EventTypes.ProfileUpdated).Select(m => m.Data).SingleAsync());
        Assert.Contains("phoneNumber", data, StringComparison.Ordinal);
        Assert.DoesNotContain(number[3..], data, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> PutPhoneAsync(SignedInUser user, object body) =>
        user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/phone", body);

    private static Task<HttpResponseMessage> VerifyAsync(SignedInUser user, string code) =>
        user.Client.SendJsonAsync(HttpMethod.Post, "/api/v1/users/phone/verify", new { code });
}
