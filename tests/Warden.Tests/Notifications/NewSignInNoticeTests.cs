using Warden.Tests.Infrastructure;
using Warden.Tests.Profiles;

namespace Warden.Tests.Notifications;

public sealed class NewSignInNoticeTests
{
    private const string Subject = "New sign-in";

    [Fact]
    public async Task ASignInFromANewDeviceIsNoticedAndAKnownOneIsNot()
    {
        await using var factory = new OutsideFactory();
        var laptop = Client(factory, "Laptop/1.0");
        var (email, _) = await factory.SignedInUserAsync(laptop);   // the first sign-in ever: the device that registered
        await laptop.LoginAsync(email);                               // the same device again
        await factory.WaitForEventsHandledAsync();
        Assert.Empty(Notices(factory, email));

        await Client(factory, "Phone/2.0").LoginAsync(email);         // another browser
        var notice = await factory.Mailbox.WaitForAsync(m => m.To.Equals(email, StringComparison.OrdinalIgnoreCase) && m.Subject.Contains(Subject, StringComparison.Ordinal));
        Assert.Contains("Phone/2.0", notice.TextBody, StringComparison.Ordinal);
        Assert.Contains(OutsideFactory.DefaultClientIp, notice.TextBody, StringComparison.Ordinal);
        Assert.Contains("UTC", notice.TextBody, StringComparison.Ordinal);

        await Client(factory, "Laptop/1.0", "198.51.100.20").LoginAsync(email); // the laptop, elsewhere
        await factory.WaitForEventsHandledAsync();
        Assert.Equal(2, Notices(factory, email).Count);

        await Client(factory, "Phone/2.0").LoginAsync(email);         // now known
        await factory.WaitForEventsHandledAsync();
        Assert.Equal(2, Notices(factory, email).Count);

        // Known only for a while: three months later the same phone is news again.
        factory.Time.Advance(TimeSpan.FromDays(91));
        await Client(factory, "Phone/2.0").LoginAsync(email);
        await factory.WaitForEventsHandledAsync();
        Assert.Equal(3, Notices(factory, email).Count);
    }

    [Fact]
    public async Task TheNoticeCanBeTurnedOff()
    {
        await using var factory = new OutsideFactory();
        factory.With("Warden:Notifications:NewSignInNotice", "false");
        var (email, _) = await factory.SignedInUserAsync(Client(factory, "Laptop/1.0"));
        await Client(factory, "Phone/2.0").LoginAsync(email);
        await factory.WaitForEventsHandledAsync();
        Assert.Empty(Notices(factory, email));
    }

    [Fact]
    public async Task AUserWhoTurnedAccountNoticesOffGetsNone()
    {
        await using var factory = new OutsideFactory();
        var laptop = Client(factory, "Laptop/1.0");
        var (email, tokens) = await factory.SignedInUserAsync(laptop);
        await (await factory.CreateClientFor(tokens).SendJsonAsync(HttpMethod.Put, "/api/v1/users/settings", """{"notifications":{"account":false}}""")).ReadJsonAsync();

        await Client(factory, "Phone/2.0").LoginAsync(email);
        await factory.WaitForEventsHandledAsync();
        Assert.Empty(Notices(factory, email));
    }

    private static HttpClient Client(WardenFactory factory, string userAgent, string? ip = null)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        if (ip is not null)
        {
            client.DefaultRequestHeaders.Add(OutsideFactory.ClientIpHeader, ip);
        }

        return client;
    }

    private static List<MailboxMessage> Notices(WardenFactory factory, string email) =>
        [.. factory.Mailbox.To(email).Where(m => m.Subject.Contains(Subject, StringComparison.Ordinal))];
}
