using Warden.Tests.Fixtures;
using Xunit.Abstractions;

namespace Warden.Tests.Pages;

/// <summary>What every account page and console page must pass in the browser tests (screenshots named <c>&lt;area&gt;-&lt;name&gt;-…</c>).</summary>
public static class PageChecks
{
    /// <summary>axe-core finds nothing serious; at 360 px nothing scrolls sideways; a screenshot at both widths.</summary>
    public static async Task CheckAsync(BrowserSession browser, string name, ITestOutputHelper output, string area = "account")
    {
        var violations = await Axe.RunAsync(browser.Page);
        foreach (var minor in violations.Where(v => v.Impact is not ("serious" or "critical")))
        {
            output.WriteLine($"{name}: {minor}");
        }

        var serious = violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"{name}: " + string.Join("\n", serious));
        await browser.ScreenshotAsync($"{area}-{name}-desktop", fullPage: true);
        await browser.Page.SetViewportSizeAsync(360, 740);
        Assert.False(await browser.Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > document.documentElement.clientWidth"),
            $"{name} scrolls sideways at 360 px");
        await browser.ScreenshotAsync($"{area}-{name}-360", fullPage: true);
        await browser.Page.SetViewportSizeAsync(1280, 720);
    }
}
