using System.Net.Security;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;

namespace Warden.Server.Notifications;

/// <summary>
/// Delivers through an SMTP server with MailKit: STARTTLS (required, never a downgrade), implicit TLS, or plain
/// (<see cref="SmtpSecurity"/>). One connection per message: the outbox sends one message at a time, and a
/// connection never outlives a send, so a server that drops idle clients cannot break the next one.
/// </summary>
internal sealed class SmtpEmailSender(
    IOptions<EmailOptions> options,
    TimeProvider time,
    SmtpCertificateValidationForTests? certificateValidationForTests = null) : IEmailSender
{
    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var smtp = settings.Smtp;
        var host = smtp.Host ?? throw new InvalidOperationException("Warden:Email:Smtp:Host is not set.");
        using var mail = MailMessages.Create(message, settings.FromAddress, time.GetUtcNow());
        using var client = new SmtpClient
        {
            // Per read or write; the token below bounds the message as a whole.
            Timeout = (int)smtp.Timeout.TotalMilliseconds,
        };
        if (certificateValidationForTests is not null)
        {
            client.ServerCertificateValidationCallback = certificateValidationForTests.Validate;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(smtp.Timeout);
        try
        {
            await client.ConnectAsync(host, smtp.EffectivePort, SocketOptions(smtp.Security), timeout.Token);
            if (!string.IsNullOrEmpty(smtp.UserName))
            {
                await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? "", timeout.Token);
            }

            await client.SendAsync(mail, timeout.Token);
        }
        catch (NotSupportedException ex) when (smtp.Security == SmtpSecurity.StartTls && !client.IsSecure)
        {
            // MailKit's message does not say which setting asked for STARTTLS; the outbox log should.
            throw new System.Security.Authentication.AuthenticationException(
                $"The SMTP server {host}:{smtp.EffectivePort} does not offer STARTTLS, which Warden:Email:Smtp:Security=StartTls requires; "
                + "nothing was sent. Use Tls if the server speaks TLS from the first byte (usually port 465).", ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"The SMTP server {host}:{smtp.EffectivePort} did not take the message within {smtp.Timeout} (Warden:Email:Smtp:Timeout).", ex);
        }

        try
        {
            await client.DisconnectAsync(quit: true, timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ProtocolException or CommandException or OperationCanceledException)
        {
            // The server has accepted the message: a failed QUIT must not make the outbox send it a second time.
        }
    }

    private static SecureSocketOptions SocketOptions(SmtpSecurity security) => security switch
    {
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
        SmtpSecurity.None => SecureSocketOptions.None,
        _ => throw new ArgumentOutOfRangeException(nameof(security), security, null),
    };
}

/// <summary>
/// Test-only: replaces the operating system's certificate validation for SMTP, so that a test can trust the
/// self-signed certificate of its own server (pinned by the test). Internal and never registered by Warden nor
/// bound to configuration: there is no setting that turns certificate checks off.
/// </summary>
internal sealed class SmtpCertificateValidationForTests(RemoteCertificateValidationCallback validate)
{
    public RemoteCertificateValidationCallback Validate { get; } = validate;
}
