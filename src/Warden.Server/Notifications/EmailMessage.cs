namespace Warden.Server.Notifications;

public sealed record EmailMessage(string To, string Subject, string TextBody, string HtmlBody);

/// <summary>Delivers a rendered email (SMTP or a pickup directory; issue 4).</summary>
public interface IEmailSender
{
    Task SendAsync(EmailMessage message, CancellationToken cancellationToken);
}

public sealed record SmsMessage(string To, string Body);

/// <summary>Delivers an SMS (an HTTP gateway or one JSON file per message; issue 4).</summary>
public interface ISmsSender
{
    Task SendAsync(SmsMessage message, CancellationToken cancellationToken);
}
