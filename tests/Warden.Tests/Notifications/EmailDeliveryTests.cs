using System.Globalization;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Warden.Server.Events;
using Warden.Server.Notifications;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Notifications;

public sealed class EmailDeliveryTests
{
    private static EmailMessage Sample(string to) => new(
        to,
        "Grüße – your code ✓",
        "Hello Jürgen,\n\nyour link: https://warden.test/account/verify-email?token=tok_123-ABC\nA long line that goes on and on and on and on and on and on and on and on and past seventy-six characters.\n.a line starting with a dot\n",
        "<p>Hello J&uuml;rgen,</p>\n<p><a href=\"https://warden.test/account/verify-email?token=tok_123-ABC\">verify</a></p>\n");

    [Fact]
    public async Task PickupDeliveryWritesAnEmlFileTheMailboxReadsBack()
    {
        await using var factory = new WardenFactory();
        var sent = Sample("ann@example.com");

        await factory.Services.GetRequiredService<IEmailSender>().SendAsync(sent, default);

        var received = await factory.Mailbox.WaitForAsync("ann@example.com");
        Assert.Equal(sent.Subject, received.Subject);
        Assert.Equal(sent.TextBody.TrimEnd('\n'), received.TextBody);
        Assert.Equal(sent.HtmlBody.TrimEnd('\n'), received.HtmlBody);
        Assert.Contains("no-reply@warden.local", received.From, StringComparison.Ordinal);
        Assert.Equal("tok_123-ABC", received.Token());
        Assert.Single(Directory.GetFiles(Path.Combine(factory.DataDirectory, "mail"), "*.eml"));
    }

    [Fact]
    public async Task PickupEmlParsesWithMimeKitToTheSameMessageAndLeavesNoTemporaryFile()
    {
        await using var factory = new WardenFactory();
        var sent = Sample("ann@example.com");

        await factory.Services.GetRequiredService<IEmailSender>().SendAsync(sent, default);

        var directory = Path.Combine(factory.DataDirectory, "mail");
        var file = Assert.Single(Directory.GetFiles(directory));
        Assert.EndsWith(".eml", file, StringComparison.Ordinal);
        var raw = await File.ReadAllTextAsync(file);
        Assert.DoesNotContain("\n", raw.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal); // CRLF only, as on the wire
        using var parsed = await MimeMessage.LoadAsync(file);
        Assert.Equal(sent.Subject, parsed.Subject);
        Assert.Equal(sent.TextBody, (parsed.TextBody ?? "").ReplaceLineEndings("\n"));
        Assert.Equal(sent.HtmlBody, (parsed.HtmlBody ?? "").ReplaceLineEndings("\n"));
        Assert.Equal("ann@example.com", Assert.Single(parsed.To.Mailboxes).Address);
        var from = Assert.Single(parsed.From.Mailboxes);
        Assert.Equal(("Warden", "no-reply@warden.local"), (from.Name, from.Address));
        Assert.Equal(factory.Time.GetUtcNow().ToUnixTimeSeconds(), parsed.Date.ToUnixTimeSeconds());
        Assert.EndsWith("@warden.local", parsed.MessageId, StringComparison.Ordinal);
        var alternative = Assert.IsType<MultipartAlternative>(parsed.Body);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType));
        Assert.All(alternative, p => Assert.Equal("utf-8", p.ContentType.Charset, ignoreCase: true));
    }

    [Fact]
    public async Task SmtpDeliveryReachesARealSmtpServerWithCredentials()
    {
        await using var sink = new SmtpSink();
        await using var factory = new WardenFactory();
        factory.With("Warden:Email:Delivery", "Smtp")
            .With("Warden:Email:From", "Warden <accounts@warden.test>")
            .With("Warden:Email:Smtp:Host", "127.0.0.1")
            .With("Warden:Email:Smtp:Port", sink.Port.ToString(CultureInfo.InvariantCulture))
            .With("Warden:Email:Smtp:Security", "None")
            .With("Warden:Email:Smtp:UserName", "mailer")
            .With("Warden:Email:Smtp:Password", "s3cret-pass");
        var sent = Sample("bob@example.com");

        await factory.Services.GetRequiredService<IEmailSender>().SendAsync(sent, default);

        var received = await sink.WaitForMessageAsync();
        Assert.Equal("accounts@warden.test", received.MailFrom);
        Assert.Equal(["bob@example.com"], received.Recipients);
        Assert.Equal(("mailer", "s3cret-pass"), (received.UserName, received.Password));
        Assert.Equal("bob@example.com", received.Message.To);
        Assert.Equal(sent.Subject, received.Message.Subject);
        Assert.Equal(sent.TextBody.TrimEnd('\n'), received.Message.TextBody);
        Assert.Equal(sent.HtmlBody.TrimEnd('\n'), received.Message.HtmlBody);
        Assert.False(received.OverTls);
        Assert.Empty(factory.Mailbox.Messages);
    }

    [Fact]
    public async Task SmtpWithStartTlsRefusesAServerThatCannotUpgradeAndSendsNoCredentials()
    {
        await using var sink = new SmtpSink();
        await using var factory = new WardenFactory();
        factory.With("Warden:Email:Delivery", "Smtp")
            .With("Warden:Email:Smtp:Host", "127.0.0.1")
            .With("Warden:Email:Smtp:Port", sink.Port.ToString(CultureInfo.InvariantCulture))
            .With("Warden:Email:Smtp:UserName", "mailer")
            .With("Warden:Email:Smtp:Password", "s3cret-pass");

        var error = await Assert.ThrowsAsync<AuthenticationException>(
            () => factory.Services.GetRequiredService<IEmailSender>().SendAsync(Sample("bob@example.com"), default));

        Assert.Contains("Warden:Email:Smtp:Security", error.Message, StringComparison.Ordinal);
        Assert.Empty(sink.Received);
        Assert.DoesNotContain(sink.Commands, c => c.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(sink.Commands, c => c.StartsWith("MAIL", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task SmtpWithImplicitTlsDeliversToAServerWhoseCertificateTheTestTrusts()
    {
        using var certificate = SelfSignedCertificate();
        await using var sink = new SmtpSink(certificate);
        await using var factory = new TrustingFactory(certificate);
        factory.With("Warden:Email:Delivery", "Smtp")
            .With("Warden:Email:From", "Warden <accounts@warden.test>")
            .With("Warden:Email:Smtp:Host", "127.0.0.1")
            .With("Warden:Email:Smtp:Port", sink.Port.ToString(CultureInfo.InvariantCulture))
            .With("Warden:Email:Smtp:Security", "Tls")
            .With("Warden:Email:Smtp:UserName", "mailer")
            .With("Warden:Email:Smtp:Password", "s3cret-pass");
        var sent = Sample("dan@example.com");

        await factory.Services.GetRequiredService<IEmailSender>().SendAsync(sent, default);

        var received = await sink.WaitForMessageAsync();
        Assert.True(received.OverTls);
        Assert.Equal("accounts@warden.test", received.MailFrom);
        Assert.Equal(["dan@example.com"], received.Recipients);
        Assert.Equal(("mailer", "s3cret-pass"), (received.UserName, received.Password));
        Assert.Equal(sent.Subject, received.Message.Subject);
        Assert.Equal(sent.TextBody.TrimEnd('\n'), received.Message.TextBody);
        Assert.Equal(sent.HtmlBody.TrimEnd('\n'), received.Message.HtmlBody);
    }

    [Fact]
    public async Task SmtpWithImplicitTlsRefusesACertificateNobodyTrustedAndSendsNoCredentials()
    {
        using var certificate = SelfSignedCertificate();
        await using var sink = new SmtpSink(certificate);
        await using var factory = new WardenFactory(); // no test hook: the system's validation, which knows no such certificate
        factory.With("Warden:Email:Delivery", "Smtp")
            .With("Warden:Email:Smtp:Host", "127.0.0.1")
            .With("Warden:Email:Smtp:Port", sink.Port.ToString(CultureInfo.InvariantCulture))
            .With("Warden:Email:Smtp:Security", "Tls")
            .With("Warden:Email:Smtp:UserName", "mailer")
            .With("Warden:Email:Smtp:Password", "s3cret-pass");

        await Assert.ThrowsAsync<MailKit.Security.SslHandshakeException>(
            () => factory.Services.GetRequiredService<IEmailSender>().SendAsync(Sample("dan@example.com"), default));

        Assert.Empty(sink.Received);
        Assert.Empty(sink.Commands);
    }

    [Theory]
    [InlineData("StartTls", 587)]
    [InlineData("Tls", 465)]
    [InlineData("None", 587)]
    public async Task TheDefaultPortFollowsTheSecurity(string security, int port)
    {
        await using var factory = new WardenFactory();
        factory.With("Warden:Email:Smtp:Security", security);

        var options = factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<EmailOptions>>().Value;

        Assert.Equal(port, options.Smtp.EffectivePort);
    }

    /// <summary>A certificate for 127.0.0.1 that no system trusts, made fresh for each test.</summary>
    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // server authentication
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>A server that trusts exactly one certificate for SMTP, through the test-only hook.</summary>
    private sealed class TrustingFactory(X509Certificate2 trusted) : WardenFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            var pinned = trusted.GetCertHashString(HashAlgorithmName.SHA256);
            builder.ConfigureServices(services => services.AddSingleton(new SmtpCertificateValidationForTests(
                (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString(HashAlgorithmName.SHA256) == pinned)));
        }
    }

    [Fact]
    public async Task EmailSentFromAnEventHandlerArrivesAfterTheCommit()
    {
        await using var factory = new WelcomeMailFactory();
        await factory.InDbAsync(async db =>
        {
            db.AddEvent(WelcomeMailHandler.EventType, null, new { email = "carol@example.com", name = "Carol <3" }, factory.Time.GetUtcNow());
            await db.SaveChangesAsync();
        });

        var email = await factory.Mailbox.WaitForAsync("carol@example.com");
        Assert.Equal("Welcome to Warden", email.Subject);
        Assert.Contains("Hello Carol <3,", email.TextBody, StringComparison.Ordinal);
        Assert.Contains("Hello Carol &lt;3,", email.HtmlBody, StringComparison.Ordinal);
    }

    private sealed class WelcomeMailFactory : WardenFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddEventHandler<WelcomeMailHandler>());
        }
    }

    private sealed class WelcomeMailHandler(EmailTemplates templates, IEmailSender sender) : IEventHandler
    {
        public const string EventType = "test.welcome";

        public string Name => "test.welcome-mail";

        public bool CanHandle(string eventType) => eventType == EventType;

        public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
        {
            var data = System.Text.Json.JsonDocument.Parse(message.Data).RootElement;
            var email = await templates.RenderAsync(EmailTemplateNames.Welcome, data.GetProperty("email").GetString()!, null,
                new Dictionary<string, string> { ["name"] = data.GetProperty("name").GetString()! }, cancellationToken);
            await sender.SendAsync(email, cancellationToken);
        }
    }
}
