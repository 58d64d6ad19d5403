using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace Warden.Tests.Infrastructure;

/// <summary>Debian's oathtool: an implementation of RFC 6238 independent of Warden's, for black-box tests.</summary>
public static class Oathtool
{
    /// <summary>The 6-digit TOTP code for a base32 secret at the given instant.</summary>
    public static Task<string> TotpAsync(string base32Secret, DateTimeOffset at) =>
        RunAsync("--totp", "-b", "-N", "@" + at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), base32Secret);

    public static async Task<string> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("oathtool")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("oathtool did not start.");
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"oathtool is not installed ({e.Message}); install the Debian package 'oathtool' (./test.sh does). " +
                "This test compares Warden's TOTP with an independent implementation and must not be skipped.");
            throw;
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var message = await error;
            Assert.True(process.ExitCode == 0,
                string.Create(CultureInfo.InvariantCulture, $"oathtool {string.Join(' ', arguments)} exited with {process.ExitCode}: {message}"));
            return (await output).Trim();
        }
    }
}
