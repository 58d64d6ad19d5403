using System.Net.Mail;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Notifications;

/// <summary>
/// Writes each message as an <c>.eml</c> file (the same MIME that SMTP would carry). The file is written in a
/// private folder and then moved in, so a reader of the directory never sees half a message.
/// </summary>
internal sealed class PickupEmailSender(IOptions<EmailOptions> options, IOptions<WardenOptions> warden) : IEmailSender
{
    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateDirectory(options.Value.PickupDirectory ?? warden.Value.DataPath("mail")).FullName;
        var id = Guid.CreateVersion7();
        var staging = Directory.CreateDirectory(Path.Combine(directory, ".staging", id.ToString("N"))).FullName;
        try
        {
            using var mail = MailMessages.Create(message, options.Value.FromAddress);
            using var client = new SmtpClient
            {
                DeliveryMethod = SmtpDeliveryMethod.SpecifiedPickupDirectory,
                PickupDirectoryLocation = staging,
            };
            await client.SendMailAsync(mail, cancellationToken);
            var written = Directory.GetFiles(staging, "*.eml").Single();
            File.Move(written, Path.Combine(directory, $"{id:N}.eml"));
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }
}
