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
        // Mail lines end with CRLF; a bare LF would be encoded as "=0A" and the part would be one long line.
        var canonical = body.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
        var view = AlternateView.CreateAlternateViewFromString(canonical, Encoding.UTF8, mediaType);
        // Base64: System.Net.Mail's quoted-printable encodes line breaks (=0D=0A), which RFC 2045 forbids for text;
        // base64 is valid for any content and keeps every line short.
        view.TransferEncoding = TransferEncoding.Base64;
        return view;
    }
}
