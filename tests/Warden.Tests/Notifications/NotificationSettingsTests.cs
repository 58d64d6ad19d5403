using Warden.Server;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Notifications;

/// <summary>Bad email, SMS and outbox settings stop the server with a message naming the key.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class NotificationSettingsTests
{
    [Theory]
    [InlineData("Warden:Email:Smtp:Host", "--Warden:Email:Delivery=Smtp")]
    [InlineData("Warden:Email:Smtp:Security", "--Warden:Email:Delivery=Smtp", "--Warden:Email:Smtp:Host=mail.example.com", "--Warden:Email:Smtp:Security=None", "--Warden:Email:Smtp:UserName=u")]
    [InlineData("Warden:Email:Smtp:Security", "--Warden:Email:Smtp:EnableStartTls=false")]
    [InlineData("Warden:Email:Smtp:Port", "--Warden:Email:Delivery=Smtp", "--Warden:Email:Smtp:Host=mail.example.com", "--Warden:Email:Smtp:Port=0")]
    [InlineData("Warden:Email:From", "--Warden:Email:From=no-reply")]
    [InlineData("Warden:Email:From", "--Warden:Email:From=not an address")]
    [InlineData("Warden:Sms:Gateway:Url", "--Warden:Sms:Delivery=Gateway")]
    [InlineData("Warden:Sms:Gateway:Url", "--Warden:Sms:Delivery=Gateway", "--Warden:Sms:Gateway:Url=http://sms.example.com/send")]
    [InlineData("Warden:Outbox:MaxAttempts", "--Warden:Outbox:MaxAttempts=0")]
    [InlineData("Warden:Outbox:PollInterval", "--Warden:Outbox:PollInterval=-00:00:01")]
    public async Task StartRefusesInvalidSettingsNamingTheKey(string key, params string[] settings)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "warden-tests", Guid.NewGuid().ToString("N"));
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            $"--Warden:DataDirectory={dataDirectory}",
            "--Warden:Database:Provider=Postgres",
            "--Warden:Database:ConnectionString=Host=127.0.0.1;Database=never_used",
            .. settings,
        ];

        var (exitCode, error) = await ConsoleCollection.CaptureErrorAsync(() => Program.Main(args));

        Assert.Equal(2, exitCode);
        Assert.Contains(key, error, StringComparison.Ordinal);
    }
}
