using Warden.Server.Events;

namespace Warden.Tests.Events;

public sealed class EventDataTests
{
    [Theory]
    [InlineData("""{"resetToken":"abc"}""")]
    [InlineData("""{"user":{"password_hash":"x"}}""")]
    [InlineData("""{"code":"123456"}""")]
    [InlineData("""{"items":[{"webhookSecret":"s"}]}""")]
    [InlineData("""{"recoveryCodes":["a"]}""")]
    public void EventDataWithAFieldNamedLikeASecretIsRefused(string json) =>
        Assert.Throws<ArgumentException>(() => EventOutbox.EnsureNoSecretFields("test.event", json));

    [Theory]
    [InlineData("""{"userId":"x","countryCode":"DE","method":"sms","passwordChangedAt":"2026-01-01","reason":"invalid_code"}""")]
    [InlineData("""{}""")]
    public void OrdinaryEventDataIsAccepted(string json) => EventOutbox.EnsureNoSecretFields("test.event", json);
}
