using Microsoft.Extensions.Options;
using MimeKit;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Notifications;

/// <summary>
/// Writes each message as an <c>.eml</c> file, the same MIME that SMTP would carry. The file is written under a
/// temporary name in the same directory and then renamed (atomic on one file system), so a reader of
/// <c>*.eml</c> never sees half a message.
/// </summary>
internal sealed class PickupEmailSender(IOptions<EmailOptions> options, IOptions<WardenOptions> warden, TimeProvider time) : IEmailSender
{
    // CRLF as on the wire (RFC 5322), whatever the platform: relays and mail clients read .eml files that way.
    private static readonly FormatOptions Format = CreateFormat();

    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        var directory = PrivateFiles.CreateDirectory(options.Value.PickupDirectory ?? warden.Value.DataPath("mail")).FullName;
        var id = Guid.CreateVersion7().ToString("N");
        var staging = Path.Combine(directory, $".{id}.tmp");
        using var mail = MailMessages.Create(message, options.Value.FromAddress, time.GetUtcNow());
        try
        {
            await using (var file = new FileStream(staging, PrivateFiles.NewFile()))
            {
                await mail.WriteToAsync(Format, file, cancellationToken);
            }

            File.Move(staging, Path.Combine(directory, $"{id}.eml"));
        }
        catch
        {
            File.Delete(staging);
            throw;
        }
    }

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }
}
