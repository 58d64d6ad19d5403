using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Notifications;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Foundation;

/// <summary>
/// What Warden writes to disk holds personal data or keys (the database, mails with sign-in links, SMS codes, the
/// key-encryption key): on Unix only the account Warden runs as may read it, whatever the umask.
/// </summary>
public sealed class FileModeTests
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix file modes
    public async Task FilesAndFoldersWardenCreatesAreReadableByItsOwnerOnly()
    {
        await using var factory = new WardenFactory();
        await factory.CreateClient().RegisterAsync(AuthFlows.NewEmail("modes")); // a verification mail
        await factory.InScopeAsync(async services =>
        {
            await services.GetRequiredService<ISmsSender>().SendAsync(new SmsMessage("+447700900123", "Your code is 123456"), CancellationToken.None);
        });
        await Eventually.TrueAsync(() => Directory.Exists(Path.Combine(factory.DataDirectory, "mail"))
            && Directory.EnumerateFiles(Path.Combine(factory.DataDirectory, "mail"), "*.eml").Any(), "the verification mail");

        var checkedFiles = new List<string>();
        foreach (var folder in new[] { "mail", "sms", "keys" })
        {
            var path = Path.Combine(factory.DataDirectory, folder);
            Assert.True(OwnerOnlyDirectory == File.GetUnixFileMode(path), $"{folder}/ is {File.GetUnixFileMode(path)}");
            foreach (var file in Directory.EnumerateFiles(path))
            {
                Assert.True(OwnerOnlyFile == File.GetUnixFileMode(file), $"{file} is {File.GetUnixFileMode(file)}");
                checkedFiles.Add(folder);
            }
        }

        Assert.Equal(["keys", "mail", "sms"], checkedFiles.Distinct().Order());
        if (!TestDatabase.IsPostgres)
        {
            foreach (var file in Directory.EnumerateFiles(factory.DataDirectory, "warden.db*"))
            {
                Assert.True(OwnerOnlyFile == File.GetUnixFileMode(file), $"{file} is {File.GetUnixFileMode(file)}");
            }

            Assert.True(File.Exists(Path.Combine(factory.DataDirectory, "warden.db")));
        }
    }
}
