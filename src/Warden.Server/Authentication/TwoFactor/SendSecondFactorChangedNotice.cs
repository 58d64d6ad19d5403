using System.Text.Json;
using Warden.Server.Events;
using Warden.Server.Notifications;

namespace Warden.Server.Authentication.TwoFactor;

/// <summary>
/// <c>two_factor.methods_changed</c>, <c>two_factor.recovery_codes_regenerated</c>, <c>passkey.added</c> and <c>passkey.removed</c> → the
/// <c>second-factor-changed</c> notice to the account's address. Whoever holds a stolen session and the password
/// could enrol their own authenticator; the owner learns of it at once, whatever their notification settings.
/// </summary>
public sealed class SendSecondFactorChangedNotice(AccountMailer mailer) : IEventHandler
{
    public string Name => "two-factor.send-changed-notice";

    public bool CanHandle(string eventType) =>
        eventType is EventTypes.TwoFactorMethodsChanged or EventTypes.TwoFactorRecoveryCodesRegenerated
            or EventTypes.PasskeyAdded or EventTypes.PasskeyRemoved;

    public Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        if (message.Subject is not { } userId)
        {
            return Task.CompletedTask;
        }

        var changes = message.Type switch
        {
            EventTypes.TwoFactorRecoveryCodesRegenerated => ["New recovery codes were made; the old ones no longer work."],
            // A passkey signs in on its own: a new one is as much news as a new authenticator.
            EventTypes.PasskeyAdded => [$"Added: a passkey ({JsonSerializer.Deserialize<Passkey>(message.Data, JsonSerializerOptions.Web)?.Name})."],
            EventTypes.PasskeyRemoved => [$"Removed: a passkey ({JsonSerializer.Deserialize<Passkey>(message.Data, JsonSerializerOptions.Web)?.Name})."],
            _ => Describe(JsonSerializer.Deserialize<Changed>(message.Data, JsonSerializerOptions.Web), userId),
        };
        return mailer.SendAsync(userId, EmailTemplateNames.SecondFactorChanged, new Dictionary<string, string>
        {
            ["changes"] = string.Join('\n', changes.Select(c => "- " + c)),
            ["time"] = AccountMailer.TimeOf(message.OccurredAt),
        }, cancellationToken);
    }

    private static List<string> Describe(Changed? changed, Guid userId)
    {
        var lines = new List<string>();
        lines.AddRange((changed?.Added ?? []).Select(m => $"Added: {Label(m)}."));
        lines.AddRange((changed?.Replaced ?? []).Select(m => $"Replaced: {Label(m)} (the old one no longer works)."));
        lines.AddRange((changed?.Removed ?? []).Select(m => $"Removed: {Label(m)}."));
        if (changed?.ActorId is { } actor && actor != userId)
        {
            lines.Add("The change was made by an administrator.");
        }

        return lines;
    }

    private static string Label(string method) => method switch
    {
        SecondFactorMethods.Totp => "authenticator app",
        SecondFactorMethods.Sms => "codes by text message",
        SecondFactorMethods.Email => "codes by email",
        _ => method,
    };

    private sealed record Passkey(string? Name);

    private sealed record Changed(Guid? ActorId, string[]? Added, string[]? Removed, string[]? Replaced);
}
