using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Warden.Tests.Infrastructure;

/// <summary>A received SMTP transaction: envelope, credentials (if the client authenticated), the message, and whether it came over TLS.</summary>
public sealed record SmtpSinkMessage(string MailFrom, IReadOnlyList<string> Recipients, string? UserName, string? Password, MailboxMessage Message, bool OverTls);

/// <summary>
/// A tiny SMTP server on 127.0.0.1 (random port) that accepts everything and keeps it: EHLO, AUTH LOGIN and
/// PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT. It offers no STARTTLS, so a client that insists on STARTTLS must
/// refuse it. Given a certificate, it speaks TLS from the first byte (implicit TLS, as on port 465).
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly X509Certificate2? _implicitTlsCertificate;
    private readonly Task _accepting;

    public SmtpSink(X509Certificate2? implicitTlsCertificate = null)
    {
        _implicitTlsCertificate = implicitTlsCertificate;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public ConcurrentQueue<SmtpSinkMessage> Received { get; } = new();

    /// <summary>Every command line the sink read (AUTH payloads included), to check what crossed the wire.</summary>
    public ConcurrentQueue<string> Commands { get; } = new();

    public Task<SmtpSinkMessage> WaitForMessageAsync(TimeSpan? timeout = null) =>
        Eventually.ValueAsync(() => Task.FromResult(Received.TryPeek(out var message) ? message : null), "a message at the SMTP sink", timeout);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            Stream stream = client.GetStream();
            if (_implicitTlsCertificate is not null)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _implicitTlsCertificate }, _stop.Token);
            }

            await using var connection = stream;
            using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 sink.test ESMTP");
            string? from = null;
            string? user = null;
            string? password = null;
            var recipients = new List<string>();
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                Commands.Enqueue(line);
                var verb = line.Split(' ')[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteAsync("250-sink.test\r\n250-AUTH LOGIN PLAIN\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n");
                        break;
                    case "HELO":
                        await writer.WriteLineAsync("250 sink.test");
                        break;
                    case "AUTH":
                        (user, password) = await AuthenticateAsync(line, reader, writer);
                        await writer.WriteLineAsync("235 2.7.0 Authentication successful");
                        break;
                    case "MAIL":
                        from = Angle(line);
                        recipients.Clear();
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "RCPT":
                        recipients.Add(Angle(line));
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync(_stop.Token) is { } dataLine && dataLine != ".")
                        {
                            data.Append(dataLine.StartsWith("..", StringComparison.Ordinal) ? dataLine[1..] : dataLine).Append("\r\n");
                        }

                        Received.Enqueue(new SmtpSinkMessage(
                            from ?? "", [.. recipients], user, password, MailboxMessage.Parse(data.ToString(), "smtp"), stream is SslStream));
                        await writer.WriteLineAsync("250 OK queued");
                        break;
                    case "RSET":
                    case "NOOP":
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 Bye");
                        return;
                    default:
                        await writer.WriteLineAsync("502 Command not implemented");
                        break;
                }
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
            // The client hung up (as SmtpClient does when it refuses a server).
        }
        catch (AuthenticationException)
        {
            // The client refused the certificate during the TLS handshake.
        }
    }

    private async Task<(string User, string Password)> AuthenticateAsync(string line, StreamReader reader, StreamWriter writer)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts[1].Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
        {
            var payload = parts.Length > 2 ? parts[2] : await PromptAsync("");
            var fields = Encoding.UTF8.GetString(Convert.FromBase64String(payload)).Split('\0');
            return (fields[1], fields[2]);
        }

        var user = parts.Length > 2 ? Base64(parts[2]) : Base64(await PromptAsync("VXNlcm5hbWU6"));
        var password = Base64(await PromptAsync("UGFzc3dvcmQ6"));
        return (user, password);

        async Task<string> PromptAsync(string challenge)
        {
            await writer.WriteLineAsync("334 " + challenge);
            var answer = await reader.ReadLineAsync(_stop.Token) ?? "";
            Commands.Enqueue(answer);
            return answer;
        }

        static string Base64(string value) => Encoding.UTF8.GetString(Convert.FromBase64String(value));
    }

    private static string Angle(string line)
    {
        var open = line.IndexOf('<', StringComparison.Ordinal);
        var close = line.IndexOf('>', StringComparison.Ordinal);
        return open >= 0 && close > open ? line[(open + 1)..close] : line;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
