using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Warden.Tests.Infrastructure;
using Warden.Server.Events;

namespace Warden.Tests.Profiles;

public sealed class SettingsTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task SettingsStartWithOptInDefaults()
    {
        var user = await factory.SignedInWithProfileAsync();
        var settings = await (await user.Client.GetAsync("/api/v1/users/settings")).ReadJsonAsync();
        var notifications = settings.GetProperty("notifications");
        Assert.True(notifications.GetProperty("security").GetBoolean());
        Assert.True(notifications.GetProperty("account").GetBoolean());
        Assert.False(notifications.GetProperty("marketing").GetBoolean());
        Assert.False(notifications.GetProperty("productUpdates").GetBoolean());
        Assert.Equal("system", settings.GetProperty("theme").GetString());
        Assert.Equal(JsonValueKind.Null, settings.GetProperty("preferredSecondFactor").ValueKind);
        Assert.False(await factory.InDbAsync(db => db.UserSettings.AnyAsync(s => s.UserId == user.Id)));
    }

    [Fact]
    public async Task PutReplacesTheSettingsAndReportsTheChangedNames()
    {
        var user = await factory.SignedInWithProfileAsync();
        var put = await (await PutAsync(user, """{"notifications":{"security":true,"account":false,"marketing":true,"productUpdates":true},"theme":"dark"}""")).ReadJsonAsync();
        Assert.Equal("dark", put.GetProperty("theme").GetString());
        var got = await (await user.Client.GetAsync("/api/v1/users/settings")).ReadJsonAsync();
        Assert.False(got.GetProperty("notifications").GetProperty("account").GetBoolean());
        Assert.True(got.GetProperty("notifications").GetProperty("marketing").GetBoolean());

        var data = JsonDocument.Parse(await factory.InDbAsync(db => db.OutboxMessages
            .Where(m => m.Subject == user.Id && m.Type == EventTypes.SettingsUpdated).Select(m => m.Data).SingleAsync())).RootElement;
        Assert.Equal(["notifications.account", "notifications.marketing", "notifications.productUpdates", "theme"],
            data.GetProperty("fields").EnumerateArray().Select(f => f.GetString()!).ToArray());

        // Left out means default again (a PUT is the whole document); the GET body is a valid PUT body.
        put = await (await PutAsync(user, """{"theme":"light"}""")).ReadJsonAsync();
        Assert.True(put.GetProperty("notifications").GetProperty("account").GetBoolean());
        Assert.False(put.GetProperty("notifications").GetProperty("marketing").GetBoolean());
        await (await PutAsync(user, put.GetRawText())).ReadJsonAsync();
    }

    [Fact]
    public async Task SecurityNoticesCannotBeTurnedOff()
    {
        var user = await factory.SignedInWithProfileAsync();
        await (await PutAsync(user, """{"notifications":{"security":false,"marketing":true}}""")).AssertValidationAsync("notifications.security");
        Assert.False((await (await user.Client.GetAsync("/api/v1/users/settings")).ReadJsonAsync()).GetProperty("notifications").GetProperty("marketing").GetBoolean());
    }

    [Fact]
    public async Task InvalidSettingsAreAllListed()
    {
        var user = await factory.SignedInWithProfileAsync();
        var errors = await (await PutAsync(user, """{"theme":"neon","preferredSecondFactor":"carrier-pigeon","notifications":{"marketing":"yes","fax":true},"colour":"red"}"""))
            .AssertValidationAsync("theme", "preferredSecondFactor", "notifications.marketing", "notifications.fax", "colour");
        Assert.Equal(5, errors.EnumerateObject().Count());
        await (await PutAsync(user, """{"notifications":[]}""")).AssertValidationAsync("notifications");
        await (await PutAsync(user, """{"theme":1}""")).AssertValidationAsync("theme");
        await (await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/settings", "theme=dark", "application/x-www-form-urlencoded"))
            .AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task PreferredSecondFactorMustBeOneTheUserHas()
    {
        var user = await factory.SignedInWithProfileAsync();
        await (await PutAsync(user, """{"preferredSecondFactor":"totp"}""")).AssertValidationAsync("preferredSecondFactor");

        await factory.InDbAsync(async db =>
        {
            await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.TwoFactorEnabled, true));
            db.TwoFactor.Add(new Warden.Server.Authentication.TwoFactor.UserTwoFactor { UserId = user.Id, TotpSecretProtected = "not-read-here" });
            return await db.SaveChangesAsync();
        });
        var put = await (await PutAsync(user, """{"preferredSecondFactor":"totp"}""")).ReadJsonAsync();
        Assert.Equal("totp", put.GetProperty("preferredSecondFactor").GetString());
        await (await PutAsync(user, """{"preferredSecondFactor":"sms"}""")).AssertValidationAsync("preferredSecondFactor");
    }

    private static Task<HttpResponseMessage> PutAsync(SignedInUser user, string json) =>
        user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/settings", json);
}
