using System.Text.Json;
using Warden.Server.Events;
using Warden.Server.Notifications;

namespace Warden.Server.Authentication.PasswordChange;

/// <summary>How a password came to change: the <c>method</c> of a <c>password.changed</c> event.</summary>
public static class PasswordChangeMethods
{
    /// <summary>The signed-in user gave the current password (<c>PUT /api/v1/users/password</c>).</summary>
    public const string Change = "change";

    /// <summary>An emailed reset link.</summary>
    public const string Reset = "reset";

    /// <summary>The set-password link of an administrator's invitation: the account's first password.</summary>
    public const string Invitation = "invitation";

    /// <summary>At sign-in, because the old password had expired.</summary>
    public const string Expired = "expired";
}

/// <summary>
/// <c>password.changed</c> → the <c>password-changed</c> confirmation, so the owner learns of a change they did
/// not make. Not for an invitation: there was no previous password, and nobody else to warn.
/// </summary>
public sealed class SendPasswordChangedEmail(AccountMailer mailer) : IEventHandler
{
    public string Name => "password.send-changed-email";

    public bool CanHandle(string eventType) => eventType == EventTypes.PasswordChanged;

    public Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.Deserialize<Changed>(message.Data, JsonSerializerOptions.Web);
        return message.Subject is { } userId && data?.Method != PasswordChangeMethods.Invitation
            ? mailer.SendAsync(userId, EmailTemplateNames.PasswordChanged, new Dictionary<string, string>(), cancellationToken)
            : Task.CompletedTask;
    }

    private sealed record Changed(string? Method);
}
