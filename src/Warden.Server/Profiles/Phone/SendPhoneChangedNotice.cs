using System.Text.Json;
using Warden.Server.Events;
using Warden.Server.Notifications;

namespace Warden.Server.Profiles.Phone;

/// <summary>
/// <c>user.phone_changed</c> → the <c>phone-changed</c> notice to the account's address. The phone receives sign-in
/// codes, so pointing it elsewhere is a change to how the account is protected: always sent.
/// </summary>
public sealed class SendPhoneChangedNotice(AccountMailer mailer) : IEventHandler
{
    public string Name => "profiles.send-phone-changed-notice";

    public bool CanHandle(string eventType) => eventType == EventTypes.PhoneChanged;

    public Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var changed = JsonSerializer.Deserialize<Changed>(message.Data, JsonSerializerOptions.Web);
        return message.Subject is { } userId
            ? mailer.SendAsync(userId, EmailTemplateNames.PhoneChanged, new Dictionary<string, string>
            {
                ["change"] = changed?.Removed == true ? "was removed" : "was set to a new number",
                ["time"] = AccountMailer.TimeOf(message.OccurredAt),
            }, cancellationToken)
            : Task.CompletedTask;
    }

    private sealed record Changed(bool Removed);
}
