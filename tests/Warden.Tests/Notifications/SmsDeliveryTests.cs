using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Notifications;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Notifications;

public sealed class SmsDeliveryTests
{
    [Fact]
    public async Task FileDeliveryWritesOneJsonFilePerMessage()
    {
        await using var factory = new WardenFactory();
        var sms = await factory.Services.GetRequiredService<SmsTemplates>().RenderAsync(
            SmsTemplateNames.TwoFactorCode, "+15550100", null, new Dictionary<string, string> { ["code"] = "493021", ["expiresMinutes"] = "5" }, default);

        await factory.Services.GetRequiredService<ISmsSender>().SendAsync(sms, default);

        var received = await factory.Sms.WaitForAsync("+15550100");
        Assert.Equal("Warden sign-in code: 493021. It expires in 5 minutes. Never share it.", received.Body);
        Assert.Equal("493021", received.Code());
        Assert.Equal(factory.Time.GetUtcNow(), received.SentAt);
        Assert.Single(Directory.GetFiles(Path.Combine(factory.DataDirectory, "sms")));
    }

    [Fact]
    public async Task GatewayDeliveryPostsJsonWithTheBearerKey()
    {
        await using var gateway = await HttpReceiver.StartAsync();
        await using var factory = Gateway(gateway.Url + "/messages");

        await factory.Services.GetRequiredService<ISmsSender>().SendAsync(new SmsMessage("+15550101", "code 123456"), default);

        var request = Assert.Single(gateway.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/messages", request.Path);
        Assert.Equal("Bearer gw-key-1", request.Headers["Authorization"]);
        Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal("+15550101", body.GetProperty("to").GetString());
        Assert.Equal("code 123456", body.GetProperty("body").GetString());
        Assert.Empty(factory.Sms.Messages);
    }

    [Fact]
    public async Task GatewayDeliveryRetriesATransientFailureWithTheSameIdempotencyKey()
    {
        await using var gateway = await HttpReceiver.StartAsync();
        gateway.Respond(503).Respond(202);
        await using var factory = Gateway(gateway.Url);

        await factory.Services.GetRequiredService<ISmsSender>().SendAsync(new SmsMessage("+15550102", "hi"), default);

        var requests = gateway.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Equal(requests[0].Headers["Idempotency-Key"], requests[1].Headers["Idempotency-Key"]);
    }

    [Fact]
    public async Task GatewayRefusalIsNotRetried()
    {
        await using var gateway = await HttpReceiver.StartAsync();
        gateway.Respond(400);
        await using var factory = Gateway(gateway.Url);

        await Assert.ThrowsAsync<HttpRequestException>(() =>
            factory.Services.GetRequiredService<ISmsSender>().SendAsync(new SmsMessage("+15550103", "hi"), default));
        Assert.Single(gateway.Requests);
    }

    [Fact]
    public async Task GatewayThatDoesNotAnswerTimesOutAfterTheConfiguredAttempts()
    {
        await using var gateway = await HttpReceiver.StartAsync();
        gateway.Respond(200, TimeSpan.FromSeconds(30));
        await using var factory = Gateway(gateway.Url, timeout: "00:00:00.300", attempts: 2);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAsync<HttpRequestException>(() =>
            factory.Services.GetRequiredService<ISmsSender>().SendAsync(new SmsMessage("+15550104", "hi"), default));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal(2, gateway.Requests.Count);
    }

    [Fact]
    public async Task PhoneVerificationTemplateRenders()
    {
        await using var factory = new WardenFactory();
        var sms = await factory.Services.GetRequiredService<SmsTemplates>().RenderAsync(
            SmsTemplateNames.PhoneVerification, "+15550105", "de", new Dictionary<string, string> { ["code"] = "111222", ["expiresMinutes"] = "10" }, default);
        Assert.Equal("+15550105", sms.To);
        Assert.Contains("111222", sms.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", sms.Body, StringComparison.Ordinal);
    }

    private static WardenFactory Gateway(string url, string timeout = "00:00:05", int attempts = 3)
    {
        var factory = new WardenFactory();
        factory.With("Warden:Sms:Delivery", "Gateway")
            .With("Warden:Sms:Gateway:Url", url)
            .With("Warden:Sms:Gateway:ApiKey", "gw-key-1")
            .With("Warden:Sms:Gateway:Timeout", timeout)
            .With("Warden:Sms:Gateway:MaxAttempts", attempts.ToString(CultureInfo.InvariantCulture));
        return factory;
    }
}
