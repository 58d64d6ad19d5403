using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Notifications;
using Warden.Tests.Infrastructure;
using Warden.Tests.Profiles;
using Warden.Tests.Passwords;

namespace Warden.Tests.Notifications;

/// <summary>
/// The user's notification settings decide the optional mail (the <c>account</c> category) and nothing else:
/// security notices and mail the person asked for always go.
/// </summary>
public sealed class NotificationPreferenceTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    /// <summary>Every value any built-in template asks for.</summary>
    private static readonly Dictionary<string, string> AnyValues = new()
    {
        ["link"] = "https://accounts.example.com/x", ["token"] = "t", ["expiresHours"] = "24", ["expiresMinutes"] = "30",
        ["code"] = "123456", ["days"] = "3", ["ipAddress"] = "203.0.113.9", ["userAgent"] = "Phone/2.0", ["time"] = "now",
        ["changes"] = "- Added: authenticator app.", ["change"] = "was removed", ["loginLink"] = "https://accounts.example.com/l",
        ["resetLink"] = "https://accounts.example.com/r",
    };

    public static TheoryData<string> Templates() => [.. BuiltInTemplates()];

    [Theory]
    [MemberData(nameof(Templates))]
    public async Task OnlyAccountMailStopsWhenTheUserTurnsAccountNoticesOff(string template)
    {
        var user = await factory.SignedInWithProfileAsync();
        await TurnAccountNoticesOffAsync(user);
        var before = factory.Mailbox.To(user.Email).Count;

        await factory.InScopeAsync(services => services.GetRequiredService<AccountMailer>().SendAsync(user.Id, template, AnyValues, CancellationToken.None));

        var sent = factory.Mailbox.To(user.Email).Count - before;
        Assert.Equal(EmailTemplateNames.CategoryOf(template) == MailCategory.Account ? 0 : 1, sent);
    }

    [Fact]
    public async Task AccountMailGoesWhileTheSettingIsOn()
    {
        var user = await factory.SignedInWithProfileAsync();
        var before = factory.Mailbox.To(user.Email).Count;

        await factory.InScopeAsync(services => services.GetRequiredService<AccountMailer>()
            .SendAsync(user.Id, EmailTemplateNames.PasswordExpiryReminder, AnyValues, CancellationToken.None));

        Assert.Equal(before + 1, factory.Mailbox.To(user.Email).Count);
    }

    [Fact]
    public void EveryTemplateHasACategoryAndTheDocumentedOnesAreOptional()
    {
        Assert.All(BuiltInTemplates(), t => EmailTemplateNames.CategoryOf(t));
        Assert.Equal(
            [EmailTemplateNames.NewSignIn, EmailTemplateNames.PasswordExpiryReminder, EmailTemplateNames.Welcome],
            BuiltInTemplates().Where(t => EmailTemplateNames.CategoryOf(t) == MailCategory.Account).Order(StringComparer.Ordinal));
        Assert.Equal(
            [EmailTemplateNames.EmailChangeNotice, EmailTemplateNames.EmailChanged, EmailTemplateNames.PasswordChanged, EmailTemplateNames.PhoneChanged,
             EmailTemplateNames.RegistrationAttempt, EmailTemplateNames.SecondFactorChanged],
            BuiltInTemplates().Where(t => EmailTemplateNames.CategoryOf(t) == MailCategory.Security).Order(StringComparer.Ordinal));
        Assert.Throws<ArgumentOutOfRangeException>(() => EmailTemplateNames.CategoryOf("newsletter"));
    }

    [Fact]
    public async Task APasswordChangeIsReportedEvenWithAccountNoticesOff()
    {
        var user = await factory.SignedInWithProfileAsync();
        await TurnAccountNoticesOffAsync(user);

        Assert.Equal(HttpStatusCode.OK, (await user.Client.ChangeAsync(AuthFlows.Password, "Another-Secret-4471!")).StatusCode);

        await factory.WaitForEmailAsync(user.Email, "Your password was changed");
    }

    internal static async Task TurnAccountNoticesOffAsync(SignedInUser user) =>
        await (await user.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/users/settings", """{"notifications":{"account":false}}""")).ReadJsonAsync();

    private static IEnumerable<string> BuiltInTemplates() =>
        typeof(AccountMailer).Assembly.GetManifestResourceNames()
            .Select(n => n.Replace('\\', '/'))
            .Where(n => n.StartsWith("templates/email/en/", StringComparison.Ordinal) && n.EndsWith(".txt", StringComparison.Ordinal))
            .Select(n => Path.GetFileNameWithoutExtension(n))
            .Where(n => !n.StartsWith('_'))
            .Order(StringComparer.Ordinal);
}
