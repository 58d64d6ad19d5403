using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Notifications;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Notifications;

public sealed class EmailTemplateTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    private EmailTemplates Templates => factory.Services.GetRequiredService<EmailTemplates>();

    [Fact]
    public async Task TemplateRendersTextAndHtmlPartsAndEscapesUserTextInHtml()
    {
        const string name = "<script>alert(\"x\")</script> & {{token}}";
        var email = await Templates.RenderAsync(EmailTemplateNames.VerifyEmail, "ann@example.com", null, new Dictionary<string, string>
        {
            ["name"] = name,
            ["link"] = "https://warden.test/account/verify-email?token=abc&x=1",
            ["token"] = "abc",
            ["expiresHours"] = "24",
        }, default);

        Assert.Equal("ann@example.com", email.To);
        Assert.Equal("Confirm your email address", email.Subject);

        // Text: the name as typed; a placeholder inside a value is not expanded.
        Assert.Contains($"Hello {name},", email.TextBody, StringComparison.Ordinal);
        Assert.Contains("https://warden.test/account/verify-email?token=abc&x=1", email.TextBody, StringComparison.Ordinal);
        Assert.Contains("expires in 24 hours", email.TextBody, StringComparison.Ordinal);
        Assert.Contains("https://warden.test/", email.TextBody, StringComparison.Ordinal); // layout footer

        // HTML: the same content, user text encoded, inside the layout.
        Assert.StartsWith("<!DOCTYPE html>", email.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", email.HtmlBody, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;", email.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("&amp; {{token}}", email.HtmlBody.Replace("&#x7B;", "{", StringComparison.Ordinal).Replace("&#x7D;", "}", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("token=abc&amp;x=1", email.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("<title>Confirm your email address</title>", email.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValueWithALineBreakCannotAddAHeaderThroughTheSubject()
    {
        var email = await Templates.RenderAsync(EmailTemplateNames.PasswordExpiryReminder, "ann@example.com", null, new Dictionary<string, string>
        {
            ["name"] = "Ann",
            ["days"] = "3\r\nBcc: attacker@example.com",
            ["link"] = "https://warden.test/account/password",
        }, default);

        Assert.DoesNotContain('\n', email.Subject);
        Assert.DoesNotContain('\r', email.Subject);
    }

    public static TheoryData<string, string[]> ShippedTemplates => new()
    {
        { EmailTemplateNames.VerifyEmail, ["name", "link", "token", "expiresHours"] },
        { EmailTemplateNames.RegistrationAttempt, ["name", "loginLink", "resetLink"] },
        { EmailTemplateNames.Welcome, ["name"] },
        { EmailTemplateNames.PasswordReset, ["name", "link", "token", "expiresMinutes"] },
        { EmailTemplateNames.PasswordChanged, ["name"] },
        { EmailTemplateNames.EmailChangeConfirm, ["link", "token"] },
        { EmailTemplateNames.EmailChangeNotice, [] },
        { EmailTemplateNames.TwoFactorCode, ["code", "expiresMinutes"] },
        { EmailTemplateNames.PasswordExpiryReminder, ["name", "days", "link"] },
        { EmailTemplateNames.Invitation, ["name", "link", "token"] },
        { EmailTemplateNames.NewSignIn, ["name", "ipAddress", "userAgent", "time"] },
    };

    [Theory]
    [MemberData(nameof(ShippedTemplates))]
    public async Task EveryShippedTemplateRendersWithItsDocumentedValues(string template, string[] keys)
    {
        var values = keys.ToDictionary(k => k, k => $"value-of-{k}");
        var email = await Templates.RenderAsync(template, "ann@example.com", "en", values, default);

        Assert.False(string.IsNullOrWhiteSpace(email.Subject));
        foreach (var part in new[] { email.TextBody, email.HtmlBody })
        {
            Assert.DoesNotContain("{{", part, StringComparison.Ordinal);
            Assert.All(keys, key => Assert.Contains($"value-of-{key}", part, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task MissingValueIsAnErrorNotABlank()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Templates.RenderAsync(
            EmailTemplateNames.Welcome, "ann@example.com", null, new Dictionary<string, string>(), default));
        Assert.Contains("'name'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("de", "Bestätigen Sie Ihre E-Mail-Adresse")]
    [InlineData("de-AT", "Bestätigen Sie Ihre E-Mail-Adresse")]
    [InlineData("fr", "Confirm your email address")]
    [InlineData(null, "Confirm your email address")]
    [InlineData("../../de", "Confirm your email address")]
    public async Task LocaleChoosesTheTemplateWithEnglishAsTheFallback(string? locale, string subject)
    {
        var email = await Templates.RenderAsync(EmailTemplateNames.VerifyEmail, "ann@example.com", locale, new Dictionary<string, string>
        {
            ["name"] = "Ann", ["link"] = "https://warden.test/x", ["token"] = "t", ["expiresHours"] = "24",
        }, default);

        Assert.Equal(subject, email.Subject);
    }

    [Fact]
    public async Task TemplateMissingInTheLocaleFallsBackToEnglish()
    {
        var email = await Templates.RenderAsync(EmailTemplateNames.Welcome, "ann@example.com", "de", new Dictionary<string, string> { ["name"] = "Ann" }, default);
        Assert.Equal("Welcome to Warden", email.Subject);
    }

    [Fact]
    public void LinksComeFromThePublicBaseUrl()
    {
        var links = factory.Services.GetRequiredService<PublicLinks>();
        Assert.Equal("https://warden.test/account/verify-email?token=a%20b%2Bc%26d",
            links.Build("/account/verify-email", ("token", "a b+c&d")));
        Assert.Throws<ArgumentException>(() => links.Build("https://evil.example/steal"));
        Assert.Throws<ArgumentException>(() => links.Build("//evil.example/steal"));
    }
}

public sealed class EmailTemplateOverrideTests
{
    [Fact]
    public async Task TemplatesDirectoryOverridesTheBuiltInTemplate()
    {
        var directory = Path.Combine(Path.GetTempPath(), "warden-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(directory, "en"));
        await File.WriteAllTextAsync(Path.Combine(directory, "en", "welcome.txt"), "Subject: Hi {{name}}, from ACME\n\nWelcome aboard, {{name}}.\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "en", "welcome.html"), "<p>Welcome aboard, <b>{{name}}</b>.</p>\n");
        try
        {
            await using var factory = new WardenFactory();
            factory.With("Warden:Email:TemplatesDirectory", directory).With("Warden:PublicBaseUrl", "https://id.example.com/auth");
            var templates = factory.Services.GetRequiredService<EmailTemplates>();

            var welcome = await templates.RenderAsync(EmailTemplateNames.Welcome, "ann@example.com", "en", new Dictionary<string, string> { ["name"] = "Ann & Bob" }, default);
            Assert.Equal("Hi Ann & Bob, from ACME", welcome.Subject);
            Assert.Contains("Welcome aboard, Ann & Bob.", welcome.TextBody, StringComparison.Ordinal);
            Assert.Contains("<b>Ann &amp; Bob</b>", welcome.HtmlBody, StringComparison.Ordinal);

            // Templates not overridden stay built-in, and the base URL (with its path) builds the links.
            var changed = await templates.RenderAsync(EmailTemplateNames.PasswordChanged, "ann@example.com", "en", new Dictionary<string, string> { ["name"] = "Ann" }, default);
            Assert.Equal("Your password was changed", changed.Subject);
            Assert.Equal("https://id.example.com/auth/account/reset?token=t",
                factory.Services.GetRequiredService<PublicLinks>().Build("account/reset", ("token", "t")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
