using System.Diagnostics;
using Xunit.Abstractions;

namespace Warden.Tests.Fixtures;

[SqliteOnly]
[Collection(BrowserCollection.Name)]
public sealed class BrowserFixtureTests(Chromium chromium, ITestOutputHelper output)
{
    // A 1×1 transparent GIF: an image with no text alternative, without fetching anything.
    private const string Pixel = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";

    [Fact]
    public async Task ChromiumOpensAWardenServedByKestrelAndTakesAScreenshot()
    {
        output.WriteLine($"Chromium launch (driver and browser, once per run): {chromium.LaunchTime.TotalMilliseconds:F0} ms");
        await using var warden = new KestrelWardenFactory();
        var started = Stopwatch.StartNew();
        warden.Start();
        output.WriteLine($"Warden on Kestrel at {warden.BaseAddress}: started in {started.Elapsed.TotalMilliseconds:F0} ms");

        started.Restart();
        await using var session = await chromium.NewSessionAsync(warden.BaseAddress);
        output.WriteLine($"New browser context and page: {started.Elapsed.TotalMilliseconds:F0} ms");
        var response = await session.Page.GotoAsync("health/live");

        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        Assert.Contains("\"live\"", await session.Page.InnerTextAsync("body"), StringComparison.Ordinal);
        started.Restart();
        var png = await session.ScreenshotAsync("health-live");
        output.WriteLine($"Screenshot: {started.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        var openApi = await session.Page.GotoAsync("openapi/v1.json");
        Assert.Equal(200, openApi!.Status);
        Assert.Contains("\"openapi\"", await session.Page.InnerTextAsync("body"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AxeReportsAnImageWithoutAlternativeTextAndAPageWithoutLanguage()
    {
        await using var session = await chromium.NewSessionAsync();
        await session.Page.SetContentAsync($"<html><head><title>Trivial</title></head><body><main><img src=\"{Pixel}\"></main></body></html>");

        var violations = await Axe.RunAsync(session.Page);

        Assert.Contains(violations, v => v.Id == "image-alt" && v.Targets.Contains("img"));
        Assert.Contains(violations, v => v.Id == "html-has-lang");
    }

    [Fact]
    public async Task AxeFindsNothingWrongWithAnAccessibleTrivialPage()
    {
        await using var session = await chromium.NewSessionAsync();
        await session.Page.SetContentAsync(
            $"<html lang=\"en\"><head><title>Trivial</title></head><body><main><h1>Hello</h1><img src=\"{Pixel}\" alt=\"A dot\"></main></body></html>");

        await Axe.AssertNoViolationsAsync(session.Page);
    }

    [Fact]
    public async Task EachTestGetsAContextWithoutTheCookiesOfAnother()
    {
        await using var warden = new KestrelWardenFactory();
        warden.Start();
        await using (var first = await chromium.NewSessionAsync(warden.BaseAddress))
        {
            await first.Context.AddCookiesAsync([new() { Name = "left", Value = "behind", Url = warden.BaseAddress.ToString() }]);
            Assert.Single(await first.Context.CookiesAsync());
        }

        await using var second = await chromium.NewSessionAsync(warden.BaseAddress);

        Assert.Empty(await second.Context.CookiesAsync());
    }
}
