using System.Net;
using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace Warden.Server.Notifications;

/// <summary>Delivers through an SMTP server with System.Net.Mail (STARTTLS when enabled; never a downgrade).</summary>
internal sealed class SmtpEmailSender(IOptions<EmailOptions> options) : IEmailSender
{
    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var smtp = settings.Smtp;
        using var mail = MailMessages.Create(message, settings.FromAddress);
        // SmtpClient is not thread-safe and holds one connection; one per message keeps sends independent.
        using var client = new SmtpClient(smtp.Host, smtp.Port)
        {
            DeliveryMethod = SmtpDeliveryMethod.Network,
            EnableSsl = smtp.EnableStartTls,
            UseDefaultCredentials = false,
        };
        if (!string.IsNullOrEmpty(smtp.UserName))
        {
            client.Credentials = new NetworkCredential(smtp.UserName, smtp.Password);
        }

        // SmtpClient.Timeout covers only the synchronous Send.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(smtp.Timeout);
        await client.SendMailAsync(mail, timeout.Token);
    }
}
