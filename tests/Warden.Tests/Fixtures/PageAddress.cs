using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Warden.Tests.Fixtures;

/// <summary>
/// Waiting for a page to arrive somewhere. Not Playwright's <c>WaitForURLAsync</c>: in playwright-dotnet (1.64) it
/// checks the address or load state first and subscribes to the event afterwards, on another thread than the one
/// that delivers events, so a navigation or a <c>load</c> finishing in between is lost and the wait runs out its 30 s
/// (microsoft/playwright-dotnet#3364; it failed the device-flow journey once in three full runs). Here the address is
/// polled (the page's <c>Url</c> is always current) and the load state is asked again in short waits: a state that
/// arrived between check and subscription is recorded, so the next ask finds it.
/// </summary>
public static class PageAddress
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Waits until the address matches <paramref name="glob"/> (<c>**</c> anything, <c>*</c> anything but <c>/</c>) and the page has loaded.</summary>
    public static Task WaitForAddressAsync(this IPage page, string glob)
    {
        var pattern = GlobToRegex(glob);
        return page.WaitForAddressAsync(pattern.IsMatch, glob);
    }

    /// <summary>Waits until <paramref name="matches"/> holds for the address and the page has loaded.</summary>
    public static async Task WaitForAddressAsync(this IPage page, Func<string, bool> matches, string? description = null)
    {
        var waited = Stopwatch.StartNew();
        while (!matches(page.Url))
        {
            if (waited.Elapsed > Timeout)
            {
                throw new TimeoutException($"Waited {Timeout.TotalSeconds:0} s for the page to reach {description ?? "the expected address"}; it is at {page.Url}.");
            }

            await Task.Delay(20);
        }

        while (true)
        {
            try
            {
                await page.WaitForLoadStateAsync(LoadState.Load, new PageWaitForLoadStateOptions { Timeout = 1_000 });
                return;
            }
            catch (TimeoutException) when (waited.Elapsed < Timeout)
            {
            }
        }
    }

    private static Regex GlobToRegex(string glob)
    {
        var pattern = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            if (glob[i] != '*')
            {
                pattern.Append(Regex.Escape(glob[i].ToString()));
            }
            else if (i + 1 < glob.Length && glob[i + 1] == '*')
            {
                pattern.Append(".*");
                i++;
            }
            else
            {
                pattern.Append("[^/]*");
            }
        }

        return new Regex(pattern.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
