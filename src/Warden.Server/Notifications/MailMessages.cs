using System.Net.Mail;
using System.Net.Mime;
using System.Text;

namespace Warden.Server.Notifications;

/// <summary>The MIME form both deliveries send: multipart/alternative with the text part first, then HTML.</summary>
internal static class MailMessages
{
    public static MailMessage Create(EmailMessage message, MailAddress from)
    {
        var mail = new MailMessage
        {
            From = from,
            // Header injection: System.Net.Mail rejects CR/LF in the subject, and templates strip them before.
            Subject = message.Subject,
            SubjectEncoding = Encoding.UTF8,
            HeadersEncoding = Encoding.UTF8,
        };
        mail.To.Add(new MailAddress(message.To));
        mail.AlternateViews.Add(View(message.TextBody, MediaTypeNames.Text.Plain));
        mail.AlternateViews.Add(View(message.HtmlBody, MediaTypeNames.Text.Html));
        return mail;
    }

    private static AlternateView View(string body, string mediaType)
    {
        var view = AlternateView.CreateAlternateViewFromString(body, Encoding.UTF8, mediaType);
        // Quoted-printable keeps the .eml files of the pickup directory readable.
        view.TransferEncoding = TransferEncoding.QuotedPrintable;
        return view;
    }
}
