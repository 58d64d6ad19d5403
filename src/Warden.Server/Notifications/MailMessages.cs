using System.Text;
using MimeKit;
using MimeKit.Text;
using MimeKit.Utils;

namespace Warden.Server.Notifications;

/// <summary>The MIME form both deliveries send: multipart/alternative with the text part first, then HTML.</summary>
internal static class MailMessages
{
    public static MimeMessage Create(EmailMessage message, MailboxAddress from, DateTimeOffset date)
    {
        var mail = new MimeMessage
        {
            // Header injection: the templates strip CR/LF from the subject, and MimeKit encodes what it is given.
            Subject = message.Subject,
            Date = date,
            // From the sender's domain, not this machine's name: the id then says who sent it and leaks no host name.
            MessageId = MimeUtils.GenerateMessageId(from.Domain),
            Body = new MultipartAlternative
            {
                Part(TextFormat.Plain, message.TextBody),
                Part(TextFormat.Html, message.HtmlBody),
            },
        };
        mail.From.Add(from);
        // The bare address as stored, never parsed as "Name <address>" text: it may come from a user.
        mail.To.Add(new MailboxAddress(string.Empty, message.To));
        return mail;
    }

    private static TextPart Part(TextFormat format, string body)
    {
        // Quoted-printable keeps the source readable and every line short whatever the server accepts (8BITMIME or not);
        // line breaks are written as the transport needs them (CRLF) by MimeKit's format options.
        var part = new TextPart(format) { ContentTransferEncoding = ContentEncoding.QuotedPrintable };
        part.SetText(Encoding.UTF8, body);
        return part;
    }
}
