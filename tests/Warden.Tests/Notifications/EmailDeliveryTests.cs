using System.Net.Mail;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
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
    public async Task SmtpDeliveryReachesARealSmtpServerWithCredentials()
    {
        await using var sink = new SmtpSink();
        await using var factory = new WardenFactory();
        factory.With("Warden:Email:Delivery", "Smtp")
            .With("Warden:Email:From", "Warden <accounts@warden.test>")
            .With("Warden:Email:Smtp:Host", "127.0.0.1")
            .With("Warden:Email:Smtp:Port", sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .With("Warden:Email:Smtp:EnableStartTls", "false")
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
        Assert.Empty(factory.Mailbox.Messages);
    }

    [Fact]
    public async Task SmtpWithStartTlsRefusesAServerThatCannotUpgradeAndSendsNoCredentials()
    {
        await using var sink = new SmtpSink();
        await using var factory = new WardenFactory();
        factory.With("Warden:Email:Delivery", "Smtp")
            .With("Warden:Email:Smtp:Host", "127.0.0.1")
            .With("Warden:Email:Smtp:Port", sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .With("Warden:Email:Smtp:UserName", "mailer")
            .With("Warden:Email:Smtp:Password", "s3cret-pass");

        await Assert.ThrowsAsync<SmtpException>(() => factory.Services.GetRequiredService<IEmailSender>().SendAsync(Sample("bob@example.com"), default));

        Assert.Empty(sink.Received);
        Assert.DoesNotContain(sink.Commands, c => c.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task EmailSentFromAnEventHandlerArrivesAfterTheCommit()
    {
        await using var factory = new WelcomeMailFactory();
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
            db.AddEvent(WelcomeMailHandler.EventType, null, new { email = "carol@example.com", name = "Carol <3" }, factory.Time.GetUtcNow());
            await db.SaveChangesAsync();
        }

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
